/// The conformance suite: every check a store must pass, grouped by concern.
public enum StoreConformance {
    public static var checks: [ConformanceCheck] {
        accountChecks + eventSourceChecks + ingestChecks + mediaBuyChecks + attributionChecks
    }
}
