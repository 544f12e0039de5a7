/// Just enough URL parsing to check `event_source_url`: an absolute http(s)
/// URL with a host. Works on the UTF-8 bytes: it runs once per event.
public enum WebURL {
    /// The lowercased host, or nil when `url` is not an absolute http(s) URL.
    public static func host(of url: String) -> String? {
        var url = url
        return url.withUTF8 { b in hostRange(b).map { host(in: b, at: $0) } }
    }

    /// The lowercased host at `range` (from `hostRange`) of a URL's bytes.
    static func host(in url: UnsafeBufferPointer<UInt8>, at range: Range<Int>) -> String {
        String(decoding: url[range].map(lower), as: UTF8.self)
    }

    @inline(__always) static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c + 32 : c }

    /// A byte of a registered host name (RFC 3986 reg-name, without
    /// percent-encoding), or of a non-ASCII one.
    @inline(__always) static func isHostByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "$"),
             UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"),
             UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="), 0x80...0xFF:
            return true
        default:
            return false
        }
    }

    /// A space or a control character: never part of a URL (RFC 3986).
    @inline(__always) static func isBlankOrControl(_ c: UInt8) -> Bool { c <= 0x20 || c == 0x7F }

    /// Where the host sits in the URL's bytes.
    static func hostRange(_ b: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        func hasPrefix(_ p: StaticString) -> Bool {
            let n = p.utf8CodeUnitCount
            guard b.count >= n else { return false }
            for i in 0..<n where lower(b[i]) != p.utf8Start[i] { return false }
            return true
        }
        var start: Int
        if hasPrefix("https://") { start = 8 } else if hasPrefix("http://") { start = 7 } else { return nil }
        var end = start
        while end < b.count {
            let c = b[end]
            if isBlankOrControl(c) { return nil }
            if c == UInt8(ascii: "/") || c == UInt8(ascii: "?") || c == UInt8(ascii: "#") { break }
            end += 1
        }
        for i in end..<b.count where isBlankOrControl(b[i]) { return nil }
        if let at = (start..<end).last(where: { b[$0] == UInt8(ascii: "@") }) { start = at + 1 }
        var hostEnd = end
        if start < end, b[start] == UInt8(ascii: "[") {
            guard let close = (start..<end).first(where: { b[$0] == UInt8(ascii: "]") }) else { return nil }
            hostEnd = close + 1
        } else if let colon = (start..<end).first(where: { b[$0] == UInt8(ascii: ":") }) {
            hostEnd = colon
        }
        // What follows the host is nothing, or a port: a colon and digits.
        if hostEnd < end {
            guard b[hostEnd] == UInt8(ascii: ":"), b[(hostEnd + 1)..<end].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        }
        if start < hostEnd, b[start] != UInt8(ascii: "["), !b[start..<hostEnd].allSatisfy(isHostByte) { return nil }
        if hostEnd > start, b[hostEnd - 1] == UInt8(ascii: ".") { hostEnd -= 1 }
        guard hostEnd > start else { return nil }
        return start..<hostEnd
    }
}
