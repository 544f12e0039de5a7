/// The conformance suite: every check a store must pass.
public enum StoreConformance {
    public static var checks: [ConformanceCheck] {
        accountChecks
    }
}
