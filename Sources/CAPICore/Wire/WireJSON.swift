import Foundation

/// The one way a wire value becomes JSON bytes, for every door: sorted
/// keys (equal values give equal bytes) and `/` left unescaped.
public enum WireJSON {
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map(Array.init) ?? unencodable
    }

    /// What is sent if a value cannot be encoded (a bug, never input).
    static let unencodable = Array(#"{"errors":[{"code":"SERVICE_UNAVAILABLE","message":"response encoding failed","recovery":"transient"}]}"#.utf8)
}
