import CAPICore
import Testing

/// `JSONText.forEachSignificantRun`: the text without white space outside
/// strings, which the log_event idempotency fingerprint hashes.
@Suite struct SignificantRunTests {
    func compacted(_ text: String) -> (String, runs: Int) {
        var out: [UInt8] = []
        var runs = 0
        Array(text.utf8).withUnsafeBufferPointer { buffer in
            JSONText.forEachSignificantRun(buffer) { run in
                out += run
                runs += 1
            }
        }
        return (String(decoding: out, as: UTF8.self), runs)
    }

    @Test func whiteSpaceOutsideStringsGoesAndInsideStays() {
        let spaced = "{ \"a\" : [1, 2,\n\t3], \"b\": \"x y\\\" , z\" , \"c\":\"\\\\\" }\r\n"
        #expect(compacted(spaced).0 == #"{"a":[1,2,3],"b":"x y\" , z","c":"\\"}"#)
    }

    @Test func compactTextIsOneRun() {
        let compact = #"{"event_source_id":"web","events":[{"event_id":"e 1","value":25.5}]}"#
        let result = compacted(compact)
        #expect(result.0 == compact)
        #expect(result.runs == 1)
    }

    @Test func anUnterminatedStringEndsTheText() {
        #expect(compacted(#"{"a": "b\"#).0 == #"{"a":"b\"#)
        #expect(compacted("").runs == 0)
    }
}
