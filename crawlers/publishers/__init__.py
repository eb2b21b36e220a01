"""Registry entries, grouped like fundus publishers; `crawlers.registry` assembles them."""
