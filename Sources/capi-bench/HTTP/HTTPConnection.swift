#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A blocking HTTP/1.1 keep-alive connection to a loopback server.
///
/// One per client thread: no event loop, no allocation beyond the reply,
/// so the client's cost stays small next to the server's.
final class HTTPConnection {
    let host: String
    let port: UInt16
    private var fd: Int32 = -1
    private var buffer = [UInt8](repeating: 0, count: 256 * 1024)
    /// Bytes in `buffer` already received but not yet consumed.
    private var pending: Range<Int> = 0..<0

    init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    deinit { close() }

    func close() {
        if fd >= 0 { _ = systemClose(fd) }
        fd = -1
        pending = 0..<0
    }

    /// Sends one request and reads the whole reply. Reconnects once if the
    /// server closed an idle keep-alive connection.
    func send(_ request: HTTPRequest, body: [UInt8]) throws(BenchError) -> HTTPReply {
        let head = Array(request.head(host: host, port: port, bodyLength: body.count).utf8)
        do {
            return try exchange(head, body)
        } catch {
            close()
            return try exchange(head, body)
        }
    }

    private func exchange(_ head: [UInt8], _ body: [UInt8]) throws(BenchError) -> HTTPReply {
        if fd < 0 { try connect() }
        try writeAll(head)
        try writeAll(body)
        return try readReply()
    }

    private func connect() throws(BenchError) {
        #if canImport(Glibc)
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let s = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard s >= 0 else { throw BenchError("socket() failed: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else {
            _ = systemClose(s)
            throw BenchError("host must be a numeric IPv4 loopback address, got \(host)")
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemConnect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let code = errno
            _ = systemClose(s)
            throw BenchError("connect to \(host):\(port) failed: errno \(code)")
        }
        fd = s
        pending = 0..<0
    }

    private func writeAll(_ bytes: [UInt8]) throws(BenchError) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                systemSend(fd, raw.baseAddress! + sent, bytes.count - sent)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw BenchError("send failed: errno \(errno)")
            }
            sent += n
        }
    }

    /// Reads more bytes into the buffer; false when the peer closed.
    private func fill() throws(BenchError) -> Bool {
        if pending.isEmpty { pending = 0..<0 }
        if pending.upperBound == buffer.count {
            if pending.lowerBound > 0 {
                let live = Array(buffer[pending])
                buffer.replaceSubrange(0..<live.count, with: live)
                pending = 0..<live.count
            } else {
                buffer.append(contentsOf: repeatElement(0, count: buffer.count))
            }
        }
        while true {
            let upper = pending.upperBound
            let n = buffer.withUnsafeMutableBytes { raw in
                recv(fd, raw.baseAddress! + upper, raw.count - upper, 0)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw BenchError("recv failed: errno \(errno)")
            }
            if n == 0 { return false }
            pending = pending.lowerBound..<(upper + n)
            return true
        }
    }

    private func readReply() throws(BenchError) -> HTTPReply {
        // Head
        var headEnd: Int?
        while headEnd == nil {
            headEnd = findHeadEnd()
            if headEnd == nil, try !fill() { throw BenchError("connection closed before a reply") }
        }
        guard let end = headEnd else { throw BenchError("no reply head") }
        let headText = String(decoding: buffer[pending.lowerBound..<end], as: UTF8.self)
        pending = (end + 4)..<pending.upperBound
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty else { throw BenchError("empty reply head") }
        let statusParts = lines.removeFirst().split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw BenchError("bad status line: \(headText.prefix(80))")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces()
            headers[name] = value
        }
        // Body
        var body: [UInt8] = []
        if let length = headers["content-length"].flatMap({ Int($0) }) {
            body.reserveCapacity(length)
            try take(length, into: &body)
        } else if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            while true {
                let line = try readLine()
                let size = Int(line.split(separator: ";").first.map(String.init) ?? "", radix: 16) ?? -1
                guard size >= 0 else { throw BenchError("bad chunk size '\(line)'") }
                if size == 0 {
                    while try !readLine().isEmpty {}
                    break
                }
                try take(size, into: &body)
                _ = try readLine()
            }
        } else {
            body.append(contentsOf: buffer[pending])
            pending = 0..<0
            while try fill() {
                body.append(contentsOf: buffer[pending])
                pending = 0..<0
            }
            close()
        }
        if headers["connection"]?.lowercased() == "close" { close() }
        return HTTPReply(status: status, headers: headers, body: body)
    }

    private func findHeadEnd() -> Int? {
        guard pending.count >= 4 else { return nil }
        var i = pending.lowerBound
        while i + 3 < pending.upperBound {
            if buffer[i] == 13, buffer[i + 1] == 10, buffer[i + 2] == 13, buffer[i + 3] == 10 { return i }
            i += 1
        }
        return nil
    }

    private func take(_ count: Int, into body: inout [UInt8]) throws(BenchError) {
        var remaining = count
        while remaining > 0 {
            if pending.isEmpty, try !fill() { throw BenchError("connection closed mid-body") }
            let n = min(remaining, pending.count)
            body.append(contentsOf: buffer[pending.lowerBound..<(pending.lowerBound + n)])
            pending = (pending.lowerBound + n)..<pending.upperBound
            remaining -= n
        }
    }

    private func readLine() throws(BenchError) -> String {
        while true {
            var i = pending.lowerBound
            while i + 1 < pending.upperBound {
                if buffer[i] == 13, buffer[i + 1] == 10 {
                    let line = String(decoding: buffer[pending.lowerBound..<i], as: UTF8.self)
                    pending = (i + 2)..<pending.upperBound
                    return line
                }
                i += 1
            }
            if try !fill() { throw BenchError("connection closed mid-line") }
        }
    }
}

private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
private func systemSend(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    #if canImport(Glibc)
    send(fd, p, n, Int32(MSG_NOSIGNAL))
    #else
    send(fd, p, n, 0)
    #endif
}
private func systemConnect(_ fd: Int32, _ addr: UnsafePointer<sockaddr>, _ len: socklen_t) -> Int32 {
    connect(fd, addr, len)
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
