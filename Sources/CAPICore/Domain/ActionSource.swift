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
    /// Hashed lookup: `init(rawValue:)` compares against every case in turn.
    static let byName: [String: ActionSource] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })

    /// The case named `name`, found by hash.
    public static func named(_ name: String) -> ActionSource? { byName[name] }
}
