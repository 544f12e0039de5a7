import CAPICore
import CAPIServer
import Foundation
import Logging
import Testing

/// The link-signing secret never reaches a log line, however a value
/// holding it is printed.
@Suite struct SecretRedactionTests {
    static let secretText = "leak-canary-signing-secret-0123456789"
    /// How `[UInt8]` prints: what the debug log showed before `Secret`.
    static var secretAsBytes: String { Array(secretText.utf8).prefix(6).map(String.init).joined(separator: ", ") }

    func leaks(_ text: String) -> Bool {
        text.contains(Self.secretText) || text.contains(Self.secretAsBytes)
    }

    @Test func aSecretPrintsRedactedEveryWay() {
        let secret = Secret(Array(Self.secretText.utf8))
        var settings = CAPISettings()
        settings.signingSecret = secret
        var dumped = ""
        dump(settings, to: &dumped)
        for text in [
            "\(secret)", String(describing: secret), String(reflecting: secret), "\(settings)",
            String(reflecting: settings), dumped, "\(Optional(secret) as Any)", "\(LinkSigner(secret: secret))",
        ] {
            #expect(!leaks(text), "\(text)")
        }
        #expect(secret.bytes == Array(Self.secretText.utf8), "signing still reads it")
    }

    /// Before `Secret`, the lifecycle's debug line "Starting service" printed
    /// the attribution worker with the server's settings, secret bytes and
    /// all; the worker now holds only what it uses. The line itself must be
    /// there, or this test would pass for want of it.
    @Test func aServerLoggingAtTraceNeverPrintsTheSecret() async throws {
        let log = CapturedLog()
        try await TestServer.run(configure: { s in
            s.signingSecret = Secret(Array(Self.secretText.utf8))
            s.attributionIntervalSeconds = 0.01
        }, logger: log.logger(level: .trace)) { server in
            let key = try await server.account("acme")
            _ = try await server.request("GET", "/agentic/v1/event-sources/web", key: key)
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = log.text
        #expect(text.contains("AttributionWorker"), "the lifecycle's service line was captured:\n\(text)")
        #expect(!leaks(text), "\(text)")
    }
}
