import CAPICore

/// Failures a store reports in terms the caller can act on.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case alreadyExists(String)
    case notFound(String)
    case conflict(String)
    /// A run of the batch being written holds an event that is not valid
    /// JSON: the write was rolled back, and the request is refused whole.
    case invalidJSON(JSONSyntaxError)
    /// A batch being stored as it arrived was given up (its body turned out
    /// not to suit streaming, or stopped arriving): the write was rolled back.
    case batchAbandoned

    public var description: String {
        switch self {
        case .alreadyExists(let what): "\(what) already exists"
        case .notFound(let what): "\(what) does not exist"
        case .conflict(let what): what
        case .invalidJSON(let syntax): "an event is not valid JSON: \(syntax.message) at byte \(syntax.offset)"
        case .batchAbandoned: "the batch was given up while it arrived"
        }
    }
}
