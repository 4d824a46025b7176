"""Spend reports and price maintenance: `sentinel spend`, `sentinel prices`, and the data
behind `GET /v1/spend` and the status page's spend card (the prices and the cost of one
call live in `sentinel.client.prices` and `sentinel.client.cost`)."""

DEFAULT_SINCE = "30d"  # of `sentinel spend` and GET /v1/spend: the range `serve` warms
