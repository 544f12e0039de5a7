/// A bucket of tokens that refills at a steady rate up to its capacity:
/// a caller may spend `capacity` at once, and `rate` a second on average.
struct TokenBucket: Sendable {
    let rate: Double
    let capacity: Double
    private var tokens: Double
    private var updatedAt: Double

    /// A full bucket at `now` (seconds on a monotonic clock).
    init(rate: Double, capacity: Double, now: Double) {
        self.rate = rate
        self.capacity = capacity
        tokens = capacity
        updatedAt = now
    }

    /// Takes `cost` tokens and returns nil, or takes nothing and returns the
    /// seconds until there are enough.
    mutating func take(_ cost: Double, now: Double) -> Double? {
        tokens = min(capacity, tokens + max(0, now - updatedAt) * rate)
        updatedAt = now
        guard tokens < cost else {
            tokens -= cost
            return nil
        }
        return (min(cost, capacity) - tokens) / rate
    }
}
