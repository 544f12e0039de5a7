/// Bytes that must never reach a log line: a link-signing secret.
///
/// Printing one in any way Swift prints a value (`description`,
/// `debugDescription`, `dump`, a `Mirror` of whatever holds it, string
/// interpolation) shows `<redacted>`; only `bytes` reads it.
public struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret itself, for the code that signs with it.
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "Secret(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
