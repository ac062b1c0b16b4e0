from celery import shared_task


@shared_task(name="billing.close_usage_days", ignore_result=True, soft_time_limit=600)
def close_usage_days() -> int:
    """Beat, every 10 minutes: closes yesterday's usage records (and any missed) shortly after
    UTC midnight and sends usage.daily; nothing to do the rest of the day (one query)."""
    from billing.services import usage_days_close

    return usage_days_close()


@shared_task(name="billing.send_webhook_delivery", acks_late=True, soft_time_limit=60)
def send_webhook_delivery(delivery_id: int) -> str | None:
    """One billing webhook call; the claim makes a redelivered message a no-op."""
    from billing.services import webhook_delivery_attempt

    delivery = webhook_delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery else None


@shared_task(name="billing.send_due_webhook_deliveries", ignore_result=True, soft_time_limit=50)
def send_due_webhook_deliveries() -> int:
    """The sweep: deliveries whose retry message was lost, or whose worker died mid-send."""
    from billing.services import enqueue_deliveries, webhook_deliveries_due

    ids = webhook_deliveries_due()
    enqueue_deliveries(ids)
    return len(ids)
