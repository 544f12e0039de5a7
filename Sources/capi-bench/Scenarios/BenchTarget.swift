/// The server under test: where it listens, the key to use, and (when the
/// bench started it) its process id, for memory readings.
struct BenchTarget: Sendable {
    var host: String
    var port: UInt16
    var key: String
    var serverPID: Int32?
    /// Further nodes on the same database, for the sustained clients.
    var otherPorts: [UInt16] = []

    /// The port sustained client `client` talks to: the nodes in turn.
    func port(client: Int) -> UInt16 {
        client % (otherPorts.count + 1) == 0 ? port : otherPorts[client % (otherPorts.count + 1) - 1]
    }

    /// Parses `http://127.0.0.1:PORT` (loopback, numeric IPv4 only: the bench
    /// never sends traffic off the machine).
    static func parse(url: String, key: String, pid: Int32?) throws(BenchError) -> BenchTarget {
        guard url.hasPrefix("http://") else { throw BenchError("--url must start with http://") }
        let authority = url.dropFirst(7).prefix { $0 != "/" }
        let parts = authority.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1]) else { throw BenchError("--url must be http://HOST:PORT") }
        let host = String(parts[0]) == "localhost" ? "127.0.0.1" : String(parts[0])
        guard host.hasPrefix("127.") else { throw BenchError("--url must be a loopback address (127.x.x.x)") }
        return BenchTarget(host: host, port: port, key: key, serverPID: pid)
    }
}
