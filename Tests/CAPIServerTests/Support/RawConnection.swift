import CAPICore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP connection that sends whatever bytes a test likes, when it likes,
/// and reads what comes back until the server hangs up: for requests no
/// HTTP client would send. Each script runs on its own thread (blocking
/// reads must not hold the cooperative pool the in-process server runs on).
final class RawConnection {
    let fd: Int32

    private init(port: Int) throws {
        fd = try RawHTTP.connected(port: port)
    }

    deinit { close(fd) }

    /// Connects to `port` and runs `script` on a thread of its own.
    static func run<T: Sendable>(port: Int, _ script: @escaping @Sendable (RawConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try script(RawConnection(port: port)) })
            }
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw POSIXError(.EPIPE) }
            offset += n
        }
    }

    /// Sends nothing more (the server reads end of input).
    func finishSending() { shutdown(fd, Int32(SHUT_WR)) }

    static func pause(_ seconds: Double) { usleep(UInt32(seconds * 1_000_000)) }

    /// Everything the server sends until it closes the connection, or until
    /// `timeout` seconds pass; `closed` says which.
    func readUntilClosed(timeout: Double) -> (bytes: [UInt8], closed: Bool) {
        let end = Date().addingTimeInterval(timeout)
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let left = end.timeIntervalSinceNow
            guard left > 0 else { return (data, false) }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(left * 1000) + 1) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return (data, true) }
            data += buffer[0..<n]
        }
    }

    /// Reads one answer whose body has a Content-Length, leaving the connection open.
    func readAnswer(timeout: Double) throws -> RawHTTP.Answer {
        let end = Date().addingTimeInterval(timeout)
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while end.timeIntervalSinceNow > 0 {
            if let answer = RawHTTP.Answer.parse(data), answer.body.count >= Int(answer.headers["content-length"] ?? "0") ?? 0 {
                return answer
            }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        guard let answer = RawHTTP.Answer.parse(data) else { throw POSIXError(.EBADMSG) }
        return answer
    }
}

extension RawHTTP.Answer {
    /// The status, headers and body of the first answer in `bytes`, if its head is whole.
    static func parse(_ bytes: [UInt8]) -> RawHTTP.Answer? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4,
              let split = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == separator })
        else { return nil }
        let head = String(decoding: bytes[..<split], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(head.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var fields: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return RawHTTP.Answer(status: status, headers: fields, body: Array(bytes[(split + 4)...]))
    }

    /// The body read as JSON.
    var json: CAPICore.JSONValue { (try? JSONDecoder().decode(CAPICore.JSONValue.self, from: Data(body))) ?? .null }
    /// `errors[0]` of an AdCP error body.
    var firstError: CAPICore.JSONValue? { json["errors"]?[0] }
}
