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
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { return nil }
            if c == UInt8(ascii: "/") || c == UInt8(ascii: "?") || c == UInt8(ascii: "#") { break }
            end += 1
        }
        for i in end..<b.count where b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { return nil }
        if let at = (start..<end).last(where: { b[$0] == UInt8(ascii: "@") }) { start = at + 1 }
        var hostEnd = end
        if start < end, b[start] == UInt8(ascii: "[") {
            guard let close = (start..<end).first(where: { b[$0] == UInt8(ascii: "]") }) else { return nil }
            hostEnd = close + 1
        } else if let colon = (start..<end).first(where: { b[$0] == UInt8(ascii: ":") }) {
            hostEnd = colon
        }
        if hostEnd > start, b[hostEnd - 1] == UInt8(ascii: ".") { hostEnd -= 1 }
        guard hostEnd > start else { return nil }
        return start..<hostEnd
    }
}
