/// Where a conversion stands with the attributor.
public enum AttributionStatus: String, Sendable, Codable {
    /// Not yet examined by the attributor.
    case pending
    case attributed
    case unattributed
    /// The same (event_type, event_id) arrived earlier from another source.
    case duplicate
}
