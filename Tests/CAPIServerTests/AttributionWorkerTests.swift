import CAPIStore
@testable import CAPIServer
import Testing

/// While clients send to a single-writer store, a pass is sized to hold the
/// writer about the store's pass length; otherwise it is the full batch.
@Suite struct AttributionWorkerTests {
    static let oneWriter = AttributionPacing.singleWriter(pass: .milliseconds(10), maxRest: 19)

    @Test func quietServerTakesFullPasses() {
        #expect(AttributionWorker.passSize(batch: 500, busy: false, last: (500, .milliseconds(200)), pacing: Self.oneWriter) == 500)
        #expect(AttributionWorker.passSize(batch: 500, busy: false, last: nil, pacing: Self.oneWriter) == 500)
    }

    @Test func storeWithConcurrentWritersTakesFullPassesWhileBusy() {
        #expect(AttributionWorker.passSize(batch: 500, busy: true, last: (500, .milliseconds(200)), pacing: .concurrentWriters) == 500)
        #expect(AttributionWorker.passSize(batch: 500, busy: true, last: nil, pacing: .concurrentWriters) == 500)
    }

    /// After a pass of 10 ms while clients send: at least 10 ms of rest,
    /// then on only while an ingest write is in flight, and never past 190 ms.
    @Test func busyServerRestsLongerOnlyWhileClientsWrite() {
        let pass = Duration.milliseconds(10)
        func rests(_ ms: Int, writing: Bool) -> Bool {
            AttributionWorker.keepsResting(rested: .milliseconds(ms), held: pass, ingestWriting: writing, maxRest: 19)
        }
        #expect(rests(5, writing: false), "the least rest is the pass's length")
        #expect(!rests(10, writing: false), "a free writer goes to attribution")
        #expect(rests(10, writing: true))
        #expect(rests(189, writing: true))
        #expect(!rests(190, writing: true), "ingestion keeps nineteen twentieths, not all")
    }

    @Test func busyServerTakesWhatFitsTheBudget() {
        func size(_ last: (Int, Duration)?) -> Int {
            AttributionWorker.passSize(batch: 500, busy: true, last: last, pacing: Self.oneWriter)
        }
        // 500 in 100 ms: 5 per ms, so 50 fit in 10 ms.
        #expect(size((500, .milliseconds(100))) == 50)
        // Fast passes grow back, but never past the batch.
        #expect(size((50, .microseconds(500))) == 500)
        // However slow, a pass still advances.
        #expect(size((10, .seconds(2))) == AttributionWorker.smallestPass)
        // Nothing known yet (or an idle pass): start small.
        #expect(size(nil) == AttributionWorker.smallestPass)
        #expect(size((0, .milliseconds(3))) == AttributionWorker.smallestPass)
    }
}
