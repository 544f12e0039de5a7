import Foundation

extension CAPIServerProcess {
    /// A platform key for this server's database, made with the CLI.
    func createPlatformKey() throws -> String {
        let output = try Self.runCLI(capiPath, ["keys", "create", "--platform", "--database", databasePath])
        guard let key = output.split(separator: "\n").last.map(String.init), !key.isEmpty else {
            throw BenchError("`capi keys create --platform` printed no key")
        }
        return key
    }

    /// Registers a media buy (`PUT /agentic/v1/media-buys/{id}`) with a platform key.
    static func putMediaBuy(id: String, body: String, platformKey: String, over connection: HTTPConnection) throws {
        let reply = try connection.send(
            HTTPRequest(method: "PUT", path: "/agentic/v1/media-buys/\(id)", headers: [
                ("Authorization", "Bearer \(platformKey)"), ("Content-Type", "application/json"),
            ]),
            body: Array(body.utf8))
        guard (200..<300).contains(reply.status) else { throw BenchError("PUT media buy: HTTP \(reply.status) \(reply.text.prefix(300))") }
    }
}
