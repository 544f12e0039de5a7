/// (4): attribute 100,000 conversions against 1,000,000 exposures, wall time.
///
/// Not wired yet: attribution landed in capi after this bench was written.
/// This is where the bench will create a media buy (platform key), load the
/// exposures through `POST /agentic/v1/exposures`, the conversions through
/// log_event, and time `capi attribute` (or the background worker) to
/// completion. Until then it reports why it cannot measure.
struct AttributionScenario {
    var conversions: Int
    var exposures: Int

    enum Outcome: Sendable {
        case measured(seconds: [Double])
        case notAvailable(reason: String)
    }

    func run(_ target: BenchTarget) -> Outcome {
        .notAvailable(reason: "attribution run not wired into the bench yet")
    }
}
