/// The largest amounts capi accepts. Bounded inputs keep every sum a report
/// makes finite: a value of 1e308 twice would be infinity, which JSON
/// cannot carry, and one such row would poison every later report.
public enum AmountLimits {
    /// The most one money amount may be, in its currency's units: an
    /// event's `custom_data.value`, a contents `price`, an exposure's
    /// `cost`, a package's `rate`. Sums of 2^53 of them stay finite.
    public static let maxMoney: Double = 1_000_000_000_000
    /// The most a count may be: `num_items`, a contents `quantity`,
    /// `progress_seconds`.
    public static let maxCount: Double = 1_000_000_000

    /// "0 to 1,000,000,000,000", for messages.
    public static let moneyRange = "0 to 1,000,000,000,000"
}
