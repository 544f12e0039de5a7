/// Where an event originated (enums/action-source.json).
public enum ActionSource: String, CaseIterable, Codable, Sendable {
    case website, app, offline
    case phoneCall = "phone_call"
    case chat, email
    case inStore = "in_store"
    case systemGenerated = "system_generated"
    case other
}

extension ActionSource {
    static let byName = CaseNames<ActionSource>()

    /// The case named `name`.
    public static func named(_ name: String) -> ActionSource? { byName[name] }

    /// The case named by UTF-8 bytes, e.g. a field of an `EventText`.
    static func named(_ name: UnsafeBufferPointer<UInt8>) -> ActionSource? { byName[bytes: name] }
}
