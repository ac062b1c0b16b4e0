"""Small word lists the rules extractor reasons with. Plain data, no logic.

Kept short and general on purpose (a few hundred words each): they decide which brand names are
ambiguous, which capitalised words are people or places, and which are just the first word of a
sentence. They are not a dictionary; a name missing here is treated as a proper noun.
"""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Everyday English words that are also brand names or look like them when capitalised. A known
# brand made only of these (Apple, Target, New Balance) is matched only when capitalised as
# registered; a capitalised run made only of these is not a discovered brand without a cue.
COMMON_WORDS = _words(
    """
    a about above across after again against all almost also always am among an and another any
    are around as at away back be because been before behind being below best better between
    big both but by can could did do does down during each either even ever every few first for
    free from further get go good great had has have he her here him his how however i if in
    into is it its just last least less like little long made make many may me meanwhile more
    most much must my never new next no nor not now of off often old on once one only or other
    our out over own past per perhaps quite rather really same several she should since so some
    still such than that the their them then there these they this those though three through
    thus to today together too two under until up upon us very was we well were what when where
    whether which while who whom whose why will with within without would yet you your
    north south east west northern southern eastern western
    zero four five six seven eight nine ten hundred thousand million billion half
    monday tuesday wednesday thursday friday saturday sunday week weeks month months year years
    day days morning afternoon evening night tonight tomorrow yesterday spring summer autumn
    winter season

    apple apples orange oranges mango mangoes lemon lime cherry peach plum pear berry banana
    grape melon olive coconut almond pepper ginger honey sugar salt bread butter cream milk tea
    coffee cocoa chocolate candy biscuit cookie cake pie corn wheat rice bean beans nut
    dove doves puma jaguar fox wolf bear bull lion tiger eagle falcon hawk swan crow raven robin
    sparrow penguin dolphin shark whale seal fish salmon tuna crab shell shellfish horse mustang
    pony colt camel ram deer elk moose bee bees ant beetle spider mouse rabbit hare cat dog
    puppy kitten monkey gorilla panda zebra giraffe elephant rhino cobra python viper turtle frog
    red blue green yellow black white brown grey gray pink purple gold silver violet indigo
    amber coral ivory jade ruby scarlet crimson navy teal olive bronze copper
    sky sun moon star stars planet mars venus mercury jupiter saturn earth world globe ocean sea
    river lake stream delta rainforest forest jungle amazon desert island mountain hill
    valley field meadow garden park beach coast bay harbour harbor rock stone sand dust fire
    flame ice snow rain storm thunder lightning wind cloud fog frost dawn dusk tide wave
    target gap visa oracle boots boot coach guess supreme corona subway next three sky tide
    crest ariel fossil express mint pilot compass anchor arrow crown shield tower bridge gate
    door window key lock bell ring box case bag cup glass bottle can jar pot pan plate knife fork
    spoon table chair bed sofa lamp clock watch phone camera screen book paper pen pencil card
    brush comb mirror towel soap candle rope chain wheel engine motor tire tyre car bus train
    plane ship boat truck van bike cycle rocket
    home house office shop store market mall bank school church hospital hotel bar pub cafe
    kitchen farm factory station street road avenue lane square city town village country
    state nation
    man men woman women child children boy girl baby family friend people person
    king queen prince princess knight lord lady boss chief captain judge doctor nurse teacher
    pilot driver farmer hunter
    body head face eye eyes ear hand hands foot feet heart mind soul spirit life death love hope
    faith truth peace war power force energy light dark shadow time space nature
    action adventure answer art balance beauty birth bloom bond care chance change choice
    circle class comfort control core craft credit culture current dream drive edge element
    empire entry escape evolution experience fashion fortune freedom future gain game genius
    gift glory grace growth guard guide harmony harvest health heritage hero horizon idea image
    impact infinity insight instinct journey joy justice kind legacy legend level liberty limit
    link logic luxury magic matter measure memory mission model moment motion move muse nation
    need network noble notion option origin pace pact pass path pattern pioneer place plan play
    pledge point pride prime progress promise pulse pure purpose quest quality quest race rally
    range reach reason rebel record reform relief rise rival route rule sale sales scale scene
    score secret sense service shape share shares shift sign signal skill smart smile solid
    sound source spark speed spirit sport square stable standard start state status step story
    strength style success summit supply support surge switch system talent taste tempo test
    theory thread thrive title token total touch trace track trade trail trend trust truth turn
    union unity unit value venture view vision vital voice wave way wealth will wish wonder
    word work world zone

    about able active actual alive alpha bright brilliant calm central classic clean clear
    cold cool crystal daily dear direct double dry early easy electric elite empty equal
    essential eternal even exact extra fair false fast fine firm flat fresh full general gentle
    giant global golden grand happy hard heavy high honest hot human ideal instant iron joint
    key large late lean light live local lone loud low loyal lucky main major master mega mighty
    minor modern mutual native natural neat noble normal open original outer perfect plain
    polar popular positive premier premium present pretty primary private prime proper proud
    public quick quiet rapid rare raw ready real regular rich right rising royal rough round
    safe secure select senior sharp short silent simple single slim slow small smooth social
    soft solar solid special square steady straight strong sunny super sure sweet swift tall
    tiny top total tough true ultra unique united universal urban vast vivid warm wild wise
    young

    accept add agree allow answer appear apply ask become begin believe bring build buy call
    carry cause change check choose claim clear close come consider continue cover create cross
    cut decide deliver develop die discover drive eat end enjoy enter expect explain face fall
    feel fight fill find finish fly follow forget give grow happen hear help hold hunt include
    increase join jump keep kill know lead learn leave let lie listen live look lose mean meet
    miss move need offer open pay pick plan play prove pull push put raise reach read receive
    remain remember report return run save say see seek sell send serve set show shine sit sleep
    speak spend stand start stay stop study suggest take talk teach tell think travel try turn
    understand use visit wait walk want watch win wonder work write

    analyst analysts investor investors economist economists executive executives official
    officials minister ministers regulator regulators campaigner campaigners critic critics
    expert experts researcher researchers scientist scientists shopper shoppers customer
    customers consumer consumers retailer retailers worker workers employee employees staff
    union unions lawyer lawyers prosecutor prosecutors police voter voters resident residents
    farmer farmers grower growers trader traders banker bankers broker brokers supplier
    suppliers manufacturer manufacturers maker makers brand brands company companies business
    businesses firm firms group groups industry market markets price prices sale profit profits
    revenue revenues share stock stocks bond bonds fund funds deal deals plan plans report
    reports data figures study survey results earnings growth demand sources shares
    """
)

# Common given names: "Noah Brooks", "Harrison Ford" and "Sophie Martens" are people.
FIRST_NAMES = _words(
    """
    aaron adam adrian aidan alan albert alex alexander alexandra alice alicia alison amanda amber
    amelia amy andrea andrew angela anna anne anthony antonio arthur ashley barbara ben benjamin
    beth bill billy bob brad brandon brenda brian bruce bryan carl carla carlos carol caroline
    catherine charles charlie charlotte chloe chris christian christina christine christopher
    claire claudia colin craig daniel david deborah dennis diana diane donald donna douglas
    dylan edward elena elizabeth ella ellie emily emma eric erin ethan eva evan fiona frances
    francesca francis frank gary george georgia gordon grace graham greg gregory hannah harold
    harry harrison heather helen henry holly hugh ian isaac isabel isabella jack jacob jake james
    jamie jane janet jason jean jeff jeffrey jennifer jenny jeremy jerry jessica jim jimmy joan
    joanne joe john jonathan jordan jose joseph joshua julia julian julie justin karen kate
    katherine kathleen katie kelly kenneth kevin kim laura lauren leo liam linda lisa louise
    lucas lucy luis luke margaret maria marie mark martin mary matthew megan melissa michael
    michelle mike natalie nathan neil nicholas nick nicola nicole noah oliver olivia oscar owen
    pamela patricia patrick paul peter philip rachel rebecca richard robert robin roger ronald
    rose ruth ryan sally sam samantha samuel sandra sara sarah scott sean sharon simon sophia
    sophie stephanie stephen steve steven susan thomas tim timothy tom tony victoria vincent
    walter william zoe
    ahmed ali amira anil arjun chen fatima hans hiroshi ines ivan jan javier jens juan karl
    katrin klaus lars li lim luca lucia marco marta mohamed mohammed olga pablo pedro pierre
    priya raj rahul ravi sergei sofia stefan sven wei yuki
    """
)

# Words before a name that make it a person: "Mr. Lauren", "chief executive Jim Farley".
PERSON_TITLES = _words(
    """
    mr mrs ms miss dr prof professor sir dame lord lady mayor president senator governor
    minister chancellor judge justice officer captain coach substitute striker midfielder
    defender goalkeeper manager chairman chairwoman chair ceo cfo coo founder co-founder
    cofounder director designer economist analyst actor actress singer rapper author writer
    journalist spokesperson spokesman spokeswoman executive chief warden volunteer colleague
    husband wife son daughter brother sister father mother uncle aunt attorney secretary
    sheriff detective sergeant commissioner inspector lieutenant deputy superintendent
    """
)

# Capitalised words that are never a brand on their own: places, peoples, institutions.
PLACE_WORDS = _words(
    """
    africa america americas asia europe oceania antarctica arctic atlantic pacific
    afghanistan argentina australia austria belgium brazil britain canada chile china colombia
    denmark egypt england finland france germany greece hungary india indonesia iran iraq
    ireland israel italy japan kenya korea malaysia mexico morocco netherlands nigeria norway
    pakistan peru philippines poland portugal qatar romania russia scotland singapore spain
    sweden switzerland taiwan thailand turkey uganda ukraine vietnam wales zimbabwe
    american british chinese dutch english european french german indian irish italian japanese
    korean mexican russian spanish swedish swiss scottish welsh canadian australian brazilian
    african asian greek danish finnish norwegian polish portuguese turkish thai czech
    austrian belgian hungarian israeli egyptian dane dutchman swede finn pole turk
    downtown uptown midtown
    london paris berlin munich frankfurt hamburg madrid rome milan amsterdam brussels vienna
    zurich geneva stockholm oslo copenhagen dublin edinburgh manchester leeds birmingham
    glasgow liverpool bristol tokyo beijing shanghai shenzhen seoul mumbai delhi sydney
    melbourne toronto vancouver chicago boston miami dallas houston seattle atlanta detroit
    washington california texas florida virginia tennessee kentucky indiana ohio vermont
    yorkshire kent york hong kong angeles francisco diego jersey
    north south east west northern southern eastern western central united states kingdom
    uk us usa eu
    january february march april may june july august september october november december
    """
)

# Words that make a capitalised run an institution or a place, not a brand.
INSTITUTION_WORDS = _words(
    """
    agency authority board bureau cathedral church college commission committee council court
    department embassy exchange foundation government hospital institute ministry museum nasa
    office parliament party police school senate society treasury tribunal university avenue
    road street square bridge river county province state city island islands valley coast
    airport station stadium park bourse games olympics place drive lane boulevard blvd
    terrace highway pavilion amphitheatre amphitheater arena auditorium coliseum center centre
    """
)
# Titles of nobility and royalty: "the Duke", "Duchess of Sussex" are a person and a title's
# territory, not brands (and, unlike PERSON_TITLES, not stripped off a name: "Duke Energy").
NOBLE_TITLES = _words(
    """
    duke duchess prince princess king queen earl countess baron baroness marquess viscount
    emperor empress sultan sheikh
    """
)

# Determiners and sentence openers in the languages we meet, never the first word of a brand.
DETERMINERS = _words(
    """
    the a an this that these those le la les l un une des du de der die das den dem ein eine
    einer el los las il lo gli i uno una het een
    """
)

STOCK_EXCHANGES = _words(
    "nasdaq nyse lse tsx asx euronext xetra fwb six tyo hkex otc amex bse nse sgx krx jse"
)
