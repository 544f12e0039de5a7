/// Failures a store reports in terms the caller can act on.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case alreadyExists(String)
    case notFound(String)
    case conflict(String)

    public var description: String {
        switch self {
        case .alreadyExists(let what): "\(what) already exists"
        case .notFound(let what): "\(what) does not exist"
        case .conflict(let what): what
        }
    }
}
