@testable import CAPIServer
import Testing

/// While clients send, a pass is sized to hold the writer about
/// `AttributionWorker.busyPass`; when they do not, it is the full batch.
@Suite struct AttributionWorkerTests {
    @Test func quietServerTakesFullPasses() {
        #expect(AttributionWorker.passSize(batch: 500, busy: false, last: (500, .milliseconds(200))) == 500)
        #expect(AttributionWorker.passSize(batch: 500, busy: false, last: nil) == 500)
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
