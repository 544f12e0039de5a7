import CAPICore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real `capi` binary, stopped with SIGTERM while a request is in
/// progress: the request completes, the process exits 0, and what it
/// acknowledged is in the database after a restart.
@Suite struct GracefulStopTests {
    /// `capi`, built beside the test bundle.
    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("capi")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/capi")
    }

    static func capi(_ arguments: [String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, output)
    }

    /// Runs a command to its end and returns its output.
    static func capiOutput(_ arguments: [String]) throws -> String {
        let (process, output) = try capi(arguments)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func waitUntilUp(port: Int) async throws {
        for _ in 0..<200 {
            if (try? await RawHTTP.get(port: port, "/healthz"))?.status == 200 { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("capi did not come up on port \(port)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path)))
    func sigtermFinishesTheRequestInProgressAndExitsZero() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capi-stop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("capi.sqlite").path
        _ = try Self.capiOutput(["accounts", "create", "acme", "--database", database])
        let key = try Self.capiOutput(["keys", "create", "--account", "acme", "--database", database])
            .split(separator: "\n").last.map(String.init) ?? ""
        _ = try Self.capiOutput(["event-sources", "add", "--account", "acme", "--event-source-id", "web", "--database", database])
        let port = try Self.freePort()
        let (server, _) = try Self.capi([
            "serve", "--port", "\(port)", "--database", database, "--attribution-interval", "0.2", "--shutdown-grace-seconds", "5",
        ])
        defer { if server.isRunning { server.terminate() } }
        try await Self.waitUntilUp(port: port)

        let time = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-60))
        let body = Array(#"{"event_source_id":"web","events":[{"event_id":"in-flight-1","event_type":"purchase","event_time":"\#(time)","action_source":"website","event_source_url":"https://example.com/done"}]}"#.utf8)
        let pid = server.processIdentifier
        let answer = try await RawConnection.run(port: port) { connection -> RawHTTP.Answer in
            try connection.send("POST /agentic/v1/capi HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n")
            try connection.send(Array(body.prefix(20)))
            RawConnection.pause(0.2)
            kill(pid, SIGTERM)
            RawConnection.pause(0.3)
            try connection.send(Array(body.dropFirst(20)))
            return try connection.readAnswer(timeout: 15)
        }
        #expect(answer.status == 200, "\(String(decoding: answer.body, as: UTF8.self))")
        let deadline = Date().addingTimeInterval(5)
        while server.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!server.isRunning)
        #expect(server.terminationReason == .exit)
        #expect(server.terminationStatus == 0)

        // Restarted, the server knows the event: sent again, it is a duplicate.
        let (again, _) = try Self.capi(["serve", "--port", "\(port)", "--database", database, "--attribution-interval", "0"])
        defer { if again.isRunning { again.terminate(); again.waitUntilExit() } }
        try await Self.waitUntilUp(port: port)
        let resent = try await RawConnection.run(port: port) { connection -> RawHTTP.Answer in
            try connection.send("POST /agentic/v1/capi HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n")
            try connection.send(body)
            return try connection.readAnswer(timeout: 15)
        }
        #expect(resent.status == 200)
        #expect(resent.json["ext"]?["duplicates"]?.intValue == 1, "\(String(decoding: resent.body, as: UTF8.self))")
    }
}
