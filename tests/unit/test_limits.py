"""The token bucket behind the device flood limit and the group control rate limit."""

from devgroups.domain.limits import TokenBucket


def test_a_burst_then_no_more() -> None:
    bucket = TokenBucket(rate=0.0, burst=2, tokens=2)
    assert [bucket.take() for _ in range(3)] == [True, True, False]


def test_credit_goes_past_the_burst_and_refill_does_not_take_it_back() -> None:
    bucket = TokenBucket(rate=1000.0, burst=2, tokens=2)
    bucket.credit(10)
    assert all(bucket.take() for _ in range(12))
    assert bucket.tokens < 2  # then back to what the rate refills, up to the burst


def test_refill_stops_at_the_burst() -> None:
    bucket = TokenBucket(rate=1e9, burst=3, tokens=0, at=0.0)
    assert [bucket.take() for _ in range(3)] == [True, True, True]
    assert bucket.tokens <= 3
