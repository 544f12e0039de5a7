import CAPIServer
import Foundation
import Logging
import Synchronization
import Testing

/// `--log-format json`: one JSON object per line, whatever the message holds.
@Suite struct JSONLogHandlerTests {
    final class Lines: Sendable {
        let all = Mutex<[String]>([])
    }

    func logged(_ body: (inout Logger) -> Void) -> [String] {
        let lines = Lines()
        var logger = Logger(label: "capi") { label in
            JSONLogHandler(label: label, write: { line in lines.all.withLock { $0.append(line) } })
        }
        logger.logLevel = .trace
        body(&logger)
        return lines.all.withLock { $0 }
    }

    func object(_ line: String) throws -> [String: Any] {
        #expect(line.hasSuffix("\n"))
        #expect(line.dropLast().contains("\n") == false, "one object per line")
        let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(parsed as? [String: Any])
    }

    @Test func eachLineIsOneObjectWithTimeLevelLabelMessageAndMetadata() throws {
        let lines = logged { logger in
            logger[metadataKey: "request"] = "r-1"
            logger.info("capi listening", metadata: ["url": "http://127.0.0.1:8080", "n": .stringConvertible(42)])
        }
        #expect(lines.count == 1)
        let o = try object(lines[0])
        #expect(o["level"] as? String == "info")
        #expect(o["label"] as? String == "capi")
        #expect(o["message"] as? String == "capi listening")
        let time = try #require(o["time"] as? String)
        #expect(time.count == 24 && time.hasSuffix("Z"), "RFC 3339 with milliseconds: \(time)")
        let metadata = try #require(o["metadata"] as? [String: Any])
        #expect(metadata["url"] as? String == "http://127.0.0.1:8080")
        #expect(metadata["n"] as? String == "42")
        #expect(metadata["request"] as? String == "r-1")
    }

    @Test func hostileTextIsEscapedAndComesBackIntact() throws {
        let nasty = "quote \" backslash \\ newline \n return \r tab \t nul \u{0} bell \u{7} del \u{7F} ls \u{2028} é 🦊 \"},\"level\":\"forged"
        let lines = logged { logger in
            logger.error("\(nasty)", metadata: [nasty: .array([.string(nasty), .dictionary(["k\n": .string(nasty)])])])
        }
        #expect(lines.count == 1)
        let o = try object(lines[0])
        #expect(o["message"] as? String == nasty)
        #expect(o["level"] as? String == "error", "the message could not forge a field")
        let metadata = try #require(o["metadata"] as? [String: Any])
        let array = try #require(metadata[nasty] as? [Any])
        #expect(array.first as? String == nasty)
        #expect((array.last as? [String: Any])?["k\n"] as? String == nasty)
    }

    @Test func aLineWithoutMetadataHasNoMetadataField() throws {
        let lines = logged { $0.notice("plain") }
        let o = try object(lines[0])
        #expect(o["metadata"] == nil)
        #expect(o["level"] as? String == "notice")
    }
}
