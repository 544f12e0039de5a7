import ArgumentParser
import CAPICore
import CAPIServer
import Foundation

struct Links: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make signed click and impression links for ad markup.",
        subcommands: [Sign.self])

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a signed click or impression URL.")
        @Option(help: "click or impression.") var kind: String = "click"
        @Option(name: .customLong("media-buy")) var mediaBuy: String
        @Option var package: String
        @Option var creative: String
        @Option(name: .customLong("param"), help: "Extra signed parameter name=value (uid.rampid, hashed_email, cost, imp…); repeatable.")
        var params: [String] = []
        @Option(name: .customLong("base-url"), help: "The server's public URL.") var baseURL: String = "http://127.0.0.1:8080"
        @Option(name: .customLong("signing-secret-file")) var signingSecretFile: String?

        func validate() throws {
            guard kind == "click" || kind == "impression" else { throw ValidationError("--kind must be click or impression") }
            // The ids become path segments; the server's rule for them, so no link is made that it refuses.
            for (option, id) in [("--media-buy", mediaBuy), ("--package", package), ("--creative", creative)] {
                guard IdentifierRule.path.allows(id) else { throw ValidationError("\(option) must be \(IdentifierRule.path.requirement)") }
            }
        }

        func run() async throws {
            guard let secret = try SigningSecret.load(file: signingSecretFile) else {
                throw ValidationError("no signing secret: pass --signing-secret-file or set CAPI_SIGNING_SECRET")
            }
            let pairs = try params.map { p -> (String, String) in
                guard let eq = p.firstIndex(of: "=") else { throw ValidationError("--param takes name=value") }
                return (String(p[..<eq]), String(p[p.index(after: eq)...]))
            }
            let path = "/agentic/v1/\(kind)/\(mediaBuy)/\(package)/\(creative)"
            let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            print(LinkSigner(secret: secret).signedURL(base: base, path: path, parameters: pairs))
        }
    }
}
