import CAPICore
import Foundation

/// A JSON Schema draft-07 validator for the tests: the keywords the AdCP
/// schemas use, `$ref` within the document (siblings of a `$ref` are
/// ignored, as draft-07 says), and the formats date-time, date, email and
/// uri checked loosely. Unknown keywords and formats are annotations.
final class JSONSchemaValidator {
    /// One violation: where in the instance, which keyword, what is wrong.
    struct Failure: CustomStringConvertible, Equatable {
        var path: String
        var keyword: String
        var message: String
        var description: String { "at \(path.isEmpty ? "/" : path): \(keyword): \(message)" }
    }

    private let root: JSONValue
    private var patterns: [String: NSRegularExpression] = [:]
    /// A `$ref` chain this deep without consuming the instance is a loop.
    private static let maxDepth = 256

    init(schema: JSONValue) { root = schema }

    /// Every violation of the schema by `instance`; empty when it is valid.
    func failures(_ instance: JSONValue) -> [Failure] {
        validate(instance, root, path: "", depth: 0)
    }

    func isValid(_ instance: JSONValue) -> Bool { failures(instance).isEmpty }

    private func validate(_ instance: JSONValue, _ schema: JSONValue, path: String, depth: Int) -> [Failure] {
        guard depth < Self.maxDepth else { return [Failure(path: path, keyword: "$ref", message: "reference loop")] }
        switch schema {
        case .bool(true): return []
        case .bool(false): return [Failure(path: path, keyword: "false", message: "no value is allowed here")]
        case .object(let keywords):
            if case .string(let ref)? = keywords["$ref"] {
                guard let target = resolve(ref) else { return [Failure(path: path, keyword: "$ref", message: "cannot resolve \(ref)")] }
                return validate(instance, target, path: path, depth: depth + 1)
            }
            var out: [Failure] = []
            let context = Context(path: path, depth: depth + 1)
            for (keyword, value) in keywords {
                out += check(keyword, value, keywords, instance, context)
            }
            return out
        default:
            return [Failure(path: path, keyword: "schema", message: "a schema must be an object or a boolean")]
        }
    }

    private struct Context {
        var path: String
        var depth: Int
        func child(_ key: String) -> String {
            path + "/" + key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
        }
    }

    private func check(
        _ keyword: String, _ value: JSONValue, _ keywords: [String: JSONValue], _ instance: JSONValue, _ c: Context
    ) -> [Failure] {
        func fail(_ message: String) -> [Failure] { [Failure(path: c.path, keyword: keyword, message: message)] }
        func sub(_ schema: JSONValue) -> [Failure] { validate(instance, schema, path: c.path, depth: c.depth) }
        switch (keyword, value) {
        case ("type", .string(let name)):
            return Self.has(instance, type: name) ? [] : fail("expected \(name), got \(Self.typeName(instance))")
        case ("type", .array(let names)):
            return names.contains { Self.has(instance, type: $0.stringValue ?? "") } ? [] : fail("expected one of \(names.compactMap(\.stringValue)), got \(Self.typeName(instance))")
        case ("enum", .array(let options)):
            return options.contains(instance) ? [] : fail("\(Self.brief(instance)) is not one of \(options.count) allowed values")
        case ("const", _):
            return instance == value ? [] : fail("\(Self.brief(instance)) is not \(Self.brief(value))")
        case ("allOf", .array(let schemas)):
            return schemas.flatMap(sub)
        case ("anyOf", .array(let schemas)):
            var best: [Failure]?
            for schema in schemas {
                let failures = sub(schema)
                if failures.isEmpty { return [] }
                if best == nil || failures.count < best?.count ?? 0 { best = failures }
            }
            return fail("matches none of \(schemas.count) schemas; the closest: \(best?.prefix(3).map(\.description) ?? [])")
        case ("oneOf", .array(let schemas)):
            let results = schemas.map(sub)
            let matches = results.filter(\.isEmpty).count
            if matches == 1 { return [] }
            if matches > 1 { return fail("matches \(matches) of \(schemas.count) schemas, not exactly one") }
            let best = results.min { $0.count < $1.count } ?? []
            return fail("matches none of \(schemas.count) schemas; the closest: \(best.prefix(3).map(\.description))")
        case ("not", _):
            return sub(value).isEmpty ? fail("matches a schema it must not match") : []
        case ("if", _):
            let branch = sub(value).isEmpty ? keywords["then"] : keywords["else"]
            return branch.map(sub) ?? []
        default:
            break
        }
        switch instance {
        case .number(let number): return checkNumber(keyword, value, number, fail)
        case .string(let string): return checkString(keyword, value, string, fail)
        case .array(let items): return checkArray(keyword, value, keywords, items, c, fail)
        case .object(let members): return checkObject(keyword, value, keywords, members, c, fail)
        default: return []
        }
    }

    private func checkNumber(_ keyword: String, _ value: JSONValue, _ n: Double, _ fail: (String) -> [Failure]) -> [Failure] {
        guard case .number(let limit) = value else { return [] }
        switch keyword {
        case "minimum": return n >= limit ? [] : fail("\(n) is less than \(limit)")
        case "maximum": return n <= limit ? [] : fail("\(n) is more than \(limit)")
        case "exclusiveMinimum": return n > limit ? [] : fail("\(n) is not more than \(limit)")
        case "exclusiveMaximum": return n < limit ? [] : fail("\(n) is not less than \(limit)")
        case "multipleOf":
            let quotient = n / limit
            return abs(quotient - quotient.rounded()) < 1e-9 ? [] : fail("\(n) is not a multiple of \(limit)")
        default: return []
        }
    }

    private func checkString(_ keyword: String, _ value: JSONValue, _ s: String, _ fail: (String) -> [Failure]) -> [Failure] {
        let length = s.unicodeScalars.count
        switch (keyword, value) {
        case ("minLength", .number(let limit)): return Double(length) >= limit ? [] : fail("\(length) characters, fewer than \(Int(limit))")
        case ("maxLength", .number(let limit)): return Double(length) <= limit ? [] : fail("\(length) characters, more than \(Int(limit))")
        case ("pattern", .string(let pattern)):
            guard let regex = regex(pattern) else { return fail("the pattern \(pattern) does not compile") }
            return Self.matches(regex, s) ? [] : fail("\(Self.brief(.string(s))) does not match \(pattern)")
        case ("format", .string(let format)):
            return JSONSchemaFormat.accepts(s, format: format) ? [] : fail("\(Self.brief(.string(s))) is not a \(format)")
        default: return []
        }
    }

    private func checkArray(
        _ keyword: String, _ value: JSONValue, _ keywords: [String: JSONValue], _ items: [JSONValue], _ c: Context,
        _ fail: (String) -> [Failure]
    ) -> [Failure] {
        func at(_ i: Int, _ schema: JSONValue) -> [Failure] { validate(items[i], schema, path: c.child(String(i)), depth: c.depth) }
        switch (keyword, value) {
        case ("minItems", .number(let limit)): return Double(items.count) >= limit ? [] : fail("\(items.count) items, fewer than \(Int(limit))")
        case ("maxItems", .number(let limit)): return Double(items.count) <= limit ? [] : fail("\(items.count) items, more than \(Int(limit))")
        case ("uniqueItems", .bool(true)): return Set(items).count == items.count ? [] : fail("the items are not unique")
        case ("items", .array(let tuple)):
            return items.indices.prefix(tuple.count).flatMap { at($0, tuple[$0]) }
        case ("items", _):
            return items.indices.flatMap { at($0, value) }
        case ("additionalItems", _):
            guard case .array(let tuple)? = keywords["items"] else { return [] }
            return items.indices.dropFirst(tuple.count).flatMap { at($0, value) }
        case ("contains", _):
            return items.indices.contains { at($0, value).isEmpty } ? [] : fail("no item matches the contains schema")
        default: return []
        }
    }

    private func checkObject(
        _ keyword: String, _ value: JSONValue, _ keywords: [String: JSONValue], _ members: [String: JSONValue], _ c: Context,
        _ fail: (String) -> [Failure]
    ) -> [Failure] {
        func at(_ key: String, _ schema: JSONValue) -> [Failure] {
            validate(members[key] ?? .null, schema, path: c.child(key), depth: c.depth)
        }
        switch (keyword, value) {
        case ("required", .array(let names)):
            let missing = names.compactMap(\.stringValue).filter { members[$0] == nil }
            return missing.isEmpty ? [] : fail("missing \(missing)")
        case ("minProperties", .number(let limit)): return Double(members.count) >= limit ? [] : fail("\(members.count) members, fewer than \(Int(limit))")
        case ("maxProperties", .number(let limit)): return Double(members.count) <= limit ? [] : fail("\(members.count) members, more than \(Int(limit))")
        case ("properties", .object(let properties)):
            return members.keys.sorted().flatMap { key in properties[key].map { at(key, $0) } ?? [] }
        case ("patternProperties", .object(let patterned)):
            return members.keys.sorted().flatMap { key in
                patterned.flatMap { pattern, schema in
                    regex(pattern).map { Self.matches($0, key) } == true ? at(key, schema) : []
                }
            }
        case ("additionalProperties", _):
            let declared = keywords["properties"]?.objectKeys ?? []
            let patterned = (keywords["patternProperties"]?.objectKeys ?? []).compactMap(regex)
            let extra = members.keys.sorted().filter { key in
                !declared.contains(key) && !patterned.contains { Self.matches($0, key) }
            }
            if case .bool(false) = value {
                return extra.isEmpty ? [] : fail("unexpected members \(extra)")
            }
            return extra.flatMap { at($0, value) }
        case ("propertyNames", _):
            return members.keys.sorted().flatMap { validate(.string($0), value, path: c.child($0), depth: c.depth) }
        case ("dependencies", .object(let dependencies)):
            return dependencies.keys.sorted().flatMap { key -> [Failure] in
                guard members[key] != nil, let dependency = dependencies[key] else { return [] }
                if case .array(let names) = dependency {
                    let missing = names.compactMap(\.stringValue).filter { members[$0] == nil }
                    return missing.isEmpty ? [] : fail("\(key) needs \(missing)")
                }
                return validate(.object(members), dependency, path: c.path, depth: c.depth)
            }
        default: return []
        }
    }

    /// The schema at a `#/...` JSON pointer of this document.
    private func resolve(_ ref: String) -> JSONValue? {
        guard ref.hasPrefix("#") else { return nil }
        var node: JSONValue? = root
        let pointer = ref.dropFirst().removingPercentEncoding ?? String(ref.dropFirst())
        for part in pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch node {
            case .object(let o)?: node = o[key]
            case .array(let a)?: node = Int(key).flatMap { a.indices.contains($0) ? a[$0] : nil }
            default: return nil
            }
        }
        return node
    }

    private func regex(_ pattern: String) -> NSRegularExpression? {
        if let cached = patterns[pattern] { return cached }
        let compiled = try? NSRegularExpression(pattern: pattern)
        patterns[pattern] = compiled
        return compiled
    }

    /// ECMA-262 semantics: a match anywhere unless the pattern anchors itself.
    private static func matches(_ regex: NSRegularExpression, _ s: String) -> Bool {
        regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    static func has(_ instance: JSONValue, type: String) -> Bool {
        switch (type, instance) {
        case ("null", .null), ("boolean", .bool), ("object", .object), ("array", .array), ("number", .number), ("string", .string):
            return true
        case ("integer", .number(let n)):
            return n.rounded() == n && n.isFinite
        default:
            return false
        }
    }

    static func typeName(_ instance: JSONValue) -> String {
        switch instance {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    static func brief(_ value: JSONValue) -> String {
        let text = value.canonicalText
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}

private extension JSONValue {
    var objectKeys: [String]? {
        if case .object(let o) = self { return Array(o.keys) }
        return nil
    }
}
