import CAPICore
import Foundation
import Logging
import Synchronization

/// A swift-log handler that writes one JSON object per line, for log
/// shippers: `{"time":…,"level":…,"label":…,"message":…,"metadata":{…}}`.
///
/// Strings are escaped by RFC 8259 (quote, backslash, every control
/// character), so a message can never break its line or forge a field.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let write: @Sendable (String) -> Void

    /// A handler writing to standard error.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.init(label: label, metadataProvider: metadataProvider, write: Self.standardError)
    }

    /// A handler handing each line, newline included, to `write`.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let given = event.metadata { merged.merge(given) { _, new in new } }
        write(Self.line(
            time: Date(), level: event.level, label: label, message: event.message.description, metadata: merged))
    }

    /// One log line, newline included; keys in a fixed order, metadata sorted.
    static func line(time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var out = "{\"time\":"
        appendString(Self.timestamp(time), to: &out)
        out += ",\"level\":"
        appendString(level.rawValue, to: &out)
        out += ",\"label\":"
        appendString(label, to: &out)
        out += ",\"message\":"
        appendString(message, to: &out)
        if !metadata.isEmpty {
            out += ",\"metadata\":"
            appendValue(.dictionary(metadata), to: &out)
        }
        out += "}\n"
        return out
    }

    static func appendValue(_ value: Logger.Metadata.Value, to out: inout String) {
        switch value {
        case .string(let s): appendString(s, to: &out)
        case .stringConvertible(let c): appendString(c.description, to: &out)
        case .array(let items):
            out += "["
            for (n, item) in items.enumerated() {
                if n > 0 { out += "," }
                appendValue(item, to: &out)
            }
            out += "]"
        case .dictionary(let fields):
            out += "{"
            for (n, key) in fields.keys.sorted().enumerated() {
                if n > 0 { out += "," }
                appendString(key, to: &out)
                out += ":"
                if let field = fields[key] { appendValue(field, to: &out) }
            }
            out += "}"
        }
    }

    /// A JSON string literal of `s`.
    static func appendString(_ s: String, to out: inout String) {
        out += JSONText.quoted(s)
    }

    /// RFC 3339 in UTC with milliseconds.
    static func timestamp(_ date: Date) -> String {
        RFC3339.format(milliseconds: date.epochMilliseconds)
    }

    /// Lines from several threads never interleave: each is written whole, under a lock.
    static let stderrLock = Mutex(())

    static let standardError: @Sendable (String) -> Void = { line in
        stderrLock.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }
}
