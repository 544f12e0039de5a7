import CAPICore

/// A feed row's members, read by type: a member of the wrong type is the
/// row's failure, named by its field.
enum ExposureRow {
    static func string(_ member: ExposureFeedRow.Member?, _ name: String) throws(AdCPError) -> String? {
        switch member {
        case nil: return nil
        case .string(let s)?: return s
        default: throw AdCPError(.validationError, "\(name) must be a string", field: name)
        }
    }

    static func number(_ member: ExposureFeedRow.Member?, _ name: String) throws(AdCPError) -> Double? {
        switch member {
        case nil: return nil
        case .number(let n)?: return n
        default: throw AdCPError(.validationError, "\(name) must be a number", field: name)
        }
    }

    /// A required id under `rule`.
    static func id(_ member: ExposureFeedRow.Member?, _ name: String, _ rule: IdentifierRule) throws(AdCPError) -> String {
        guard let id = try string(member, name), rule.allows(id) else {
            throw AdCPError(.validationError, "\(name) is required: \(rule.requirement)", field: name)
        }
        return id
    }

    /// `uids`: an array of `{type, value}` objects of strings, or absent.
    static func uids(_ uids: ExposureFeedRow.UIDs?) throws(AdCPError) -> [IncomingUID]? {
        switch uids {
        case nil: return nil
        case .list(let items)?:
            var out: [IncomingUID] = []
            for (i, item) in items.enumerated() {
                guard case .uid(let type, let value) = item else {
                    throw AdCPError(.validationError, "each uid must be an object with type and value", field: "uids[\(i)]")
                }
                do throws(AdCPError) {
                    out.append(IncomingUID(type: try string(type, "type"), value: try string(value, "value")))
                } catch {
                    throw AdCPError(.validationError, error.message, field: "uids[\(i)].\(error.field ?? "")")
                }
            }
            return out
        case .other?:
            throw AdCPError(.validationError, "uids must be an array of {type, value} objects", field: "uids")
        }
    }
}
