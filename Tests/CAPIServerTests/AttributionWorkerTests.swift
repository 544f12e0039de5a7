@testable import CAPIServer
import Testing

/// While clients send, a pass is sized to hold the writer about
/// `AttributionWorker.busyPass`; when they do not, it is the full batch.
@Suite struct AttributionWorkerTests {
    @Test func quietServerTakesFullPasses() {
        #expect(AttributionWorker.passSize(batch: 500, busy: false, last: (500, .milliseconds(200))) == 500)
        #expect(AttributionWorker.passSize(batch: 500, busy: false, last: nil) == 500)
    }

    /// After a pass of 10 ms while clients send: at least 10 ms of rest,
    /// then on only while an ingest write is in flight, and never past 190 ms.
    @Test func busyServerRestsLongerOnlyWhileClientsWrite() {
        let pass = Duration.milliseconds(10)
        func rests(_ ms: Int, writing: Bool) -> Bool {
            AttributionWorker.keepsResting(rested: .milliseconds(ms), held: pass, ingestWriting: writing)
        }
        #expect(rests(5, writing: false), "the least rest is the pass's length")
        #expect(!rests(10, writing: false), "a free writer goes to attribution")
        #expect(rests(10, writing: true))
        #expect(rests(189, writing: true))
        #expect(!rests(190, writing: true), "ingestion keeps nineteen twentieths, not all")
    }

    @Test func busyServerTakesWhatFitsTheBudget() {
        // 500 in 100 ms: 5 per ms, so 50 fit in 10 ms.
        #expect(AttributionWorker.passSize(batch: 500, busy: true, last: (500, .milliseconds(100))) == 50)
        // Fast passes grow back, but never past the batch.
        #expect(AttributionWorker.passSize(batch: 500, busy: true, last: (50, .microseconds(500))) == 500)
        // However slow, a pass still advances.
        #expect(AttributionWorker.passSize(batch: 500, busy: true, last: (10, .seconds(2))) == AttributionWorker.smallestPass)
        // Nothing known yet (or an idle pass): start small.
        #expect(AttributionWorker.passSize(batch: 500, busy: true, last: nil) == AttributionWorker.smallestPass)
        #expect(AttributionWorker.passSize(batch: 500, busy: true, last: (0, .milliseconds(3))) == AttributionWorker.smallestPass)
    }
}
