"""Our industry taxonomy (reports.models.DEFAULT_INDUSTRIES) for the sources' categories.

NSI files brands under OpenStreetMap tags (``shop=supermarket``, ``amenity=bank``,
``office=insurance``); pytickersymbols under the industries of Wikipedia's index lists. A tag
value missing from ``NSI_VALUES`` falls back to its key's default in ``NSI_KEYS``; an unknown
key gives "" (no industry rather than a wrong one).
"""

AUTO = "Automotive"
BANK = "Banking & Finance"
BEAUTY = "Beauty & Personal Care"
ELECTRONICS = "Consumer Electronics"
ENERGY = "Energy & Utilities"
MEDIA = "Entertainment & Media"
FASHION = "Fashion & Apparel"
FOOD = "Food & Beverage"
HEALTH = "Healthcare & Pharma"
TRAVEL = "Hospitality & Travel"
INDUSTRY = "Industrial & Manufacturing"
INSURANCE = "Insurance"
REAL_ESTATE = "Real Estate"
RETAIL = "Retail & E-commerce"
SOFTWARE = "Software & Internet"
SPORTS = "Sports & Outdoors"
TELECOM = "Telecommunications"
TRANSPORT = "Transportation & Logistics"
OTHER = "Other"

NSI_KEYS: dict[str, str] = {
    "shop": RETAIL,
    "craft": INDUSTRY,
    "power": ENERGY,
    "pipeline": ENERGY,
    "man_made": INDUSTRY,
    "telecom": TELECOM,
    "route": TRANSPORT,
    "highway": TRANSPORT,
    "railway": TRANSPORT,
    "public_transport": TRANSPORT,
    "aeroway": TRANSPORT,
    "tourism": TRAVEL,
    "leisure": SPORTS,
    "healthcare": HEALTH,
    "advertising": MEDIA,
}

NSI_VALUES: dict[str, str] = {
    # amenity=*
    "amenity/bank": BANK,
    "amenity/atm": BANK,
    "amenity/bureau_de_change": BANK,
    "amenity/money_transfer": BANK,
    "amenity/payment_terminal": BANK,
    "amenity/payment_centre": BANK,
    "amenity/cafe": FOOD,
    "amenity/fast_food": FOOD,
    "amenity/restaurant": FOOD,
    "amenity/bar": FOOD,
    "amenity/pub": FOOD,
    "amenity/ice_cream": FOOD,
    "amenity/food_court": FOOD,
    "amenity/vending_machine": FOOD,
    "amenity/fuel": ENERGY,
    "amenity/charging_station": ENERGY,
    "amenity/car_rental": TRANSPORT,
    "amenity/car_sharing": TRANSPORT,
    "amenity/bicycle_rental": TRANSPORT,
    "amenity/bus_station": TRANSPORT,
    "amenity/ferry_terminal": TRANSPORT,
    "amenity/parcel_locker": TRANSPORT,
    "amenity/post_office": TRANSPORT,
    "amenity/post_box": TRANSPORT,
    "amenity/parking": TRANSPORT,
    "amenity/taxi": TRANSPORT,
    "amenity/car_wash": AUTO,
    "amenity/pharmacy": HEALTH,
    "amenity/hospital": HEALTH,
    "amenity/clinic": HEALTH,
    "amenity/doctors": HEALTH,
    "amenity/dentist": HEALTH,
    "amenity/veterinary": HEALTH,
    "amenity/nursing_home": HEALTH,
    "amenity/social_facility": HEALTH,
    "amenity/cinema": MEDIA,
    "amenity/theatre": MEDIA,
    "amenity/casino": MEDIA,
    "amenity/gambling": MEDIA,
    "amenity/nightclub": MEDIA,
    "amenity/school": OTHER,
    "amenity/kindergarten": OTHER,
    "amenity/college": OTHER,
    "amenity/university": OTHER,
    "amenity/driving_school": OTHER,
    "amenity/language_school": OTHER,
    "amenity/library": OTHER,
    "amenity/place_of_worship": OTHER,
    "amenity/police": OTHER,
    "amenity/fire_station": OTHER,
    "amenity/townhall": OTHER,
    "amenity/community_centre": OTHER,
    "amenity/prison": OTHER,
    "amenity/recycling": ENERGY,
    "amenity/waste_disposal": ENERGY,
    "amenity/drinking_water": ENERGY,
    "amenity/water_point": ENERGY,
    "amenity/telephone": TELECOM,
    # shop=* (the key's default is retail)
    "shop/car": AUTO,
    "shop/car_parts": AUTO,
    "shop/car_repair": AUTO,
    "shop/tyres": AUTO,
    "shop/motorcycle": AUTO,
    "shop/motorcycle_repair": AUTO,
    "shop/truck": AUTO,
    "shop/truck_repair": AUTO,
    "shop/caravan": AUTO,
    "shop/boat": AUTO,
    "shop/beauty": BEAUTY,
    "shop/cosmetics": BEAUTY,
    "shop/perfumery": BEAUTY,
    "shop/hairdresser": BEAUTY,
    "shop/hairdresser_supply": BEAUTY,
    "shop/chemist": BEAUTY,
    "shop/massage": BEAUTY,
    "shop/tattoo": BEAUTY,
    "shop/electronics": ELECTRONICS,
    "shop/computer": ELECTRONICS,
    "shop/mobile_phone": TELECOM,
    "shop/mobile_phone_accessories": ELECTRONICS,
    "shop/hifi": ELECTRONICS,
    "shop/camera": ELECTRONICS,
    "shop/appliance": ELECTRONICS,
    "shop/telecommunication": TELECOM,
    "shop/clothes": FASHION,
    "shop/shoes": FASHION,
    "shop/bag": FASHION,
    "shop/fashion_accessories": FASHION,
    "shop/jewelry": FASHION,
    "shop/watches": FASHION,
    "shop/leather": FASHION,
    "shop/tailor": FASHION,
    "shop/fabric": FASHION,
    "shop/bakery": FOOD,
    "shop/pastry": FOOD,
    "shop/butcher": FOOD,
    "shop/cheese": FOOD,
    "shop/chocolate": FOOD,
    "shop/coffee": FOOD,
    "shop/tea": FOOD,
    "shop/confectionery": FOOD,
    "shop/dairy": FOOD,
    "shop/deli": FOOD,
    "shop/beverages": FOOD,
    "shop/alcohol": FOOD,
    "shop/wine": FOOD,
    "shop/seafood": FOOD,
    "shop/spices": FOOD,
    "shop/nuts": FOOD,
    "shop/frozen_food": FOOD,
    "shop/greengrocer": FOOD,
    "shop/health_food": FOOD,
    "shop/optician": HEALTH,
    "shop/hearing_aids": HEALTH,
    "shop/medical_supply": HEALTH,
    "shop/nutrition_supplements": HEALTH,
    "shop/herbalist": HEALTH,
    "shop/sports": SPORTS,
    "shop/outdoor": SPORTS,
    "shop/bicycle": SPORTS,
    "shop/fishing": SPORTS,
    "shop/swimming_pool": SPORTS,
    "shop/travel_agency": TRAVEL,
    "shop/books": MEDIA,
    "shop/music": MEDIA,
    "shop/video": MEDIA,
    "shop/video_games": MEDIA,
    "shop/games": MEDIA,
    "shop/lottery": MEDIA,
    "shop/bookmaker": MEDIA,
    "shop/ticket": MEDIA,
    "shop/newsagent": MEDIA,
    "shop/anime": MEDIA,
    "shop/gas": ENERGY,
    "shop/fuel": ENERGY,
    "shop/money_lender": BANK,
    "shop/pawnbroker": BANK,
    "shop/gold_buyer": BANK,
    "shop/storage_rental": REAL_ESTATE,
    "shop/mall": REAL_ESTATE,
    "shop/funeral_directors": OTHER,
    "shop/tobacco": FOOD,
    "shop/e-cigarette": FOOD,
    "shop/cannabis": HEALTH,
    "shop/pest_control": OTHER,
    # office=*
    "office/insurance": INSURANCE,
    "office/financial": BANK,
    "office/financial_advisor": BANK,
    "office/tax_advisor": BANK,
    "office/accountant": BANK,
    "office/estate_agent": REAL_ESTATE,
    "office/property_management": REAL_ESTATE,
    "office/telecommunication": TELECOM,
    "office/it": SOFTWARE,
    "office/company": OTHER,
    "office/employment_agency": OTHER,
    "office/travel_agent": TRAVEL,
    "office/courier": TRANSPORT,
    "office/logistics": TRANSPORT,
    "office/energy_supplier": ENERGY,
    "office/government": OTHER,
    "office/ngo": OTHER,
    "office/lawyer": OTHER,
    "office/political_party": OTHER,
    "office/coworking": REAL_ESTATE,
    # tourism=*, leisure=*, healthcare=*, other keys whose value matters
    "tourism/hotel": TRAVEL,
    "tourism/motel": TRAVEL,
    "tourism/hostel": TRAVEL,
    "tourism/camp_site": TRAVEL,
    "tourism/caravan_site": TRAVEL,
    "tourism/museum": MEDIA,
    "tourism/theme_park": MEDIA,
    "leisure/fitness_centre": SPORTS,
    "leisure/sports_centre": SPORTS,
    "leisure/bowling_alley": SPORTS,
    "leisure/amusement_arcade": MEDIA,
    "leisure/playground": OTHER,
    "man_made/petroleum_well": ENERGY,
    "man_made/water_works": ENERGY,
    "man_made/wastewater_plant": ENERGY,
    "man_made/mast": TELECOM,
    "man_made/tower": TELECOM,
    "emergency/defibrillator": HEALTH,
    "emergency/ambulance_station": HEALTH,
}

# pytickersymbols' industries (from Wikipedia's index pages), matched as lowercase substrings in
# this order: the first hit wins, so narrower words come before broader ones.
TICKER_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("insurance", INSURANCE),
    ("reinsurance", INSURANCE),
    ("bank", BANK),
    ("financ", BANK),
    ("capital markets", BANK),
    ("asset management", BANK),
    ("payment", BANK),
    ("credit", BANK),
    ("real estate", REAL_ESTATE),
    ("reit", REAL_ESTATE),
    ("pharma", HEALTH),
    ("biotech", HEALTH),
    ("health", HEALTH),
    ("medical", HEALTH),
    ("life sciences", HEALTH),
    ("automobile", AUTO),
    ("automotive", AUTO),
    ("auto parts", AUTO),
    ("telecom", TELECOM),
    ("wireless", TELECOM),
    ("software", SOFTWARE),
    ("internet", SOFTWARE),
    ("interactive media", SOFTWARE),
    ("it services", SOFTWARE),
    ("information technology", SOFTWARE),
    ("semiconductor", ELECTRONICS),
    ("electronic", ELECTRONICS),
    ("hardware", ELECTRONICS),
    ("technology", SOFTWARE),
    ("media", MEDIA),
    ("entertainment", MEDIA),
    ("broadcast", MEDIA),
    ("publishing", MEDIA),
    ("gaming", MEDIA),
    ("hotel", TRAVEL),
    ("leisure", TRAVEL),
    ("travel", TRAVEL),
    ("retail", RETAIL),
    ("department store", RETAIL),
    ("e-commerce", RETAIL),
    ("restaurant", FOOD),
    ("beverage", FOOD),
    ("food", FOOD),
    ("brewer", FOOD),
    ("tobacco", FOOD),
    ("apparel", FASHION),
    ("textile", FASHION),
    ("luxury", FASHION),
    ("footwear", FASHION),
    ("personal", BEAUTY),
    ("cosmetic", BEAUTY),
    ("household", BEAUTY),
    ("airline", TRANSPORT),
    ("logistic", TRANSPORT),
    ("transport", TRANSPORT),
    ("freight", TRANSPORT),
    ("railroad", TRANSPORT),
    ("shipping", TRANSPORT),
    ("oil", ENERGY),
    ("gas", ENERGY),
    ("energy", ENERGY),
    ("utilit", ENERGY),
    ("electric", ENERGY),
    ("mining", INDUSTRY),
    ("chemical", INDUSTRY),
    ("industrial", INDUSTRY),
    ("machinery", INDUSTRY),
    ("aerospace", INDUSTRY),
    ("defense", INDUSTRY),
    ("construction", INDUSTRY),
    ("materials", INDUSTRY),
    ("steel", INDUSTRY),
    ("consumer", RETAIL),
)


def nsi_industry(category: str) -> str:
    """``"shop/supermarket"`` -> "Retail & E-commerce"; "" when the category is unknown."""
    if category in NSI_VALUES:
        return NSI_VALUES[category]
    return NSI_KEYS.get(category.split("/", 1)[0], "")


def ticker_industry(industries: list[str]) -> str:
    """The industry most of a listed company's industry labels map to; "" when none does.

    Each label votes once, for its first keyword; a tie goes to the keyword listed first
    (narrower), so Uber's "Industrials" + "Transportation" is transport.
    """
    votes: dict[str, int] = {}
    first: dict[str, int] = {}
    for industry in industries:
        lowered = industry.lower()
        for position, (keyword, ours) in enumerate(TICKER_KEYWORDS):
            if keyword in lowered:
                votes[ours] = votes.get(ours, 0) + 1
                first[ours] = min(first.get(ours, position), position)
                break
    if not votes:
        return ""
    return max(votes, key=lambda ours: (votes[ours], -first[ours]))
