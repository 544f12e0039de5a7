import CAPICore
import Foundation
import Testing

/// The test-support draft-07 validator against small schemas: each keyword
/// accepts what it should and fails what it should, naming the keyword.
@Suite struct JSONSchemaValidatorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var schema: String
        var valid: [String]
        var invalid: [String]
        /// The keyword the first failure of each invalid instance names.
        var keyword: String
        var testDescription: String { "\(keyword): \(schema)" }
    }

    static let cases: [Case] = [
        Case(schema: #"{"type":"string"}"#, valid: [#""a""#], invalid: ["1", "null", "true", "[]", "{}"], keyword: "type"),
        Case(schema: #"{"type":"integer"}"#, valid: ["1", "-3", "2.0"], invalid: ["1.5", #""1""#, "true"], keyword: "type"),
        Case(schema: #"{"type":"number"}"#, valid: ["1", "1.5"], invalid: [#""1""#, "false"], keyword: "type"),
        Case(schema: #"{"type":"boolean"}"#, valid: ["true", "false"], invalid: ["0", "1", "null"], keyword: "type"),
        Case(schema: #"{"type":["string","null"]}"#, valid: [#""a""#, "null"], invalid: ["1", "{}"], keyword: "type"),
        Case(schema: #"{"enum":["a",1,null]}"#, valid: [#""a""#, "1", "1.0", "null"], invalid: [#""b""#, "2", "false"], keyword: "enum"),
        Case(schema: #"{"const":{"a":[1,2]}}"#, valid: [#"{"a":[1,2]}"#], invalid: [#"{"a":[2,1]}"#, #"{"a":[1,2],"b":0}"#], keyword: "const"),
        Case(schema: #"{"minimum":1,"maximum":3}"#, valid: ["1", "3", #""x""#], invalid: ["0.99", "3.01"], keyword: "m"),
        Case(schema: #"{"exclusiveMinimum":0}"#, valid: ["0.001"], invalid: ["0", "-1"], keyword: "exclusiveMinimum"),
        Case(schema: #"{"exclusiveMaximum":10}"#, valid: ["9.5"], invalid: ["10"], keyword: "exclusiveMaximum"),
        Case(schema: #"{"multipleOf":0.01}"#, valid: ["1.25", "3"], invalid: ["1.255"], keyword: "multipleOf"),
        Case(schema: #"{"minLength":2,"maxLength":3}"#, valid: [#""ab""#, #""été""#, "5"], invalid: [#""a""#, #""abcd""#], keyword: "m"),
        Case(schema: #"{"pattern":"^[a-z]+$"}"#, valid: [#""abc""#], invalid: [#""abC""#, #""""#], keyword: "pattern"),
        Case(schema: #"{"pattern":"b"}"#, valid: [#""abc""#], invalid: [#""ac""#], keyword: "pattern"),
        Case(schema: #"{"format":"date-time"}"#, valid: [#""2026-01-01T00:00:00Z""#, #""2026-01-01T10:20:30.5+02:00""#],
             invalid: [#""2026-01-01""#, #""2026-13-01T00:00:00Z""#, #""yesterday""#], keyword: "format"),
        Case(schema: #"{"format":"date"}"#, valid: [#""2026-02-28""#], invalid: [#""2026-02-28T00:00:00Z""#], keyword: "format"),
        Case(schema: #"{"format":"uri"}"#, valid: [#""https://a.example/x?y=1""#], invalid: [#""/relative""#, #""a b""#], keyword: "format"),
        Case(schema: #"{"format":"email"}"#, valid: [#""a@b.example""#], invalid: [#""ab.example""#], keyword: "format"),
        Case(schema: #"{"items":{"type":"integer"},"minItems":1,"maxItems":2}"#, valid: ["[1]", "[1,2]"],
             invalid: ["[]", "[1,2,3]", #"["a"]"#], keyword: ""),
        Case(schema: #"{"items":[{"type":"string"}],"additionalItems":false}"#, valid: [#"["a"]"#, "[]"],
             invalid: [#"[1]"#, #"["a","b"]"#], keyword: ""),
        Case(schema: #"{"uniqueItems":true}"#, valid: ["[1,2]", #"[{"a":1},{"a":2}]"#], invalid: ["[1,1.0]", #"[{"a":1},{"a":1}]"#], keyword: "uniqueItems"),
        Case(schema: #"{"contains":{"const":3}}"#, valid: ["[1,3]"], invalid: ["[1,2]", "[]"], keyword: "contains"),
        Case(schema: #"{"type":"object","required":["a"],"properties":{"a":{"type":"string"}},"additionalProperties":false}"#,
             valid: [#"{"a":"x"}"#], invalid: ["{}", #"{"a":1}"#, #"{"a":"x","b":1}"#], keyword: ""),
        Case(schema: #"{"additionalProperties":{"type":"number"},"properties":{"a":{}}}"#, valid: [#"{"a":"x","b":1}"#],
             invalid: [#"{"b":"x"}"#], keyword: "type"),
        Case(schema: #"{"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false}"#, valid: [#"{"x-a":"s"}"#],
             invalid: [#"{"x-a":1}"#, #"{"y":"s"}"#], keyword: ""),
        Case(schema: #"{"propertyNames":{"maxLength":2},"minProperties":1,"maxProperties":2}"#, valid: [#"{"ab":1}"#],
             invalid: [#"{"abc":1}"#, "{}", #"{"a":1,"b":2,"c":3}"#], keyword: ""),
        Case(schema: #"{"dependencies":{"a":["b"],"c":{"required":["d"]}}}"#, valid: [#"{"a":1,"b":2}"#, #"{"b":1}"#, #"{"c":1,"d":2}"#],
             invalid: [#"{"a":1}"#, #"{"c":1}"#], keyword: ""),
        Case(schema: #"{"allOf":[{"type":"number"},{"minimum":2}]}"#, valid: ["2"], invalid: ["1", #""x""#], keyword: ""),
        Case(schema: #"{"anyOf":[{"type":"string"},{"minimum":2}]}"#, valid: [#""x""#, "3"], invalid: ["1"], keyword: "anyOf"),
        Case(schema: #"{"oneOf":[{"type":"integer"},{"minimum":2}]}"#, valid: ["1", "2.5"], invalid: ["3", "1.5"], keyword: "oneOf"),
        Case(schema: #"{"not":{"required":["a"]}}"#, valid: ["{}"], invalid: [#"{"a":1}"#], keyword: "not"),
        Case(schema: #"{"if":{"properties":{"t":{"const":"x"}}},"then":{"required":["x"]},"else":{"required":["y"]}}"#,
             valid: [#"{"t":"x","x":1}"#, #"{"t":"z","y":1}"#], invalid: [#"{"t":"x","y":1}"#, #"{"t":"z","x":1}"#], keyword: "required"),
        Case(schema: ##"{"definitions":{"n":{"type":"integer"}},"properties":{"a":{"$ref":"#/definitions/n","type":"string"}}}"##,
             valid: [#"{"a":1}"#], invalid: [#"{"a":"s"}"#], keyword: "type"),
        Case(schema: ##"{"$defs":{"a~b/c":{"const":1}},"items":{"$ref":"#/$defs/a~0b~1c"}}"##, valid: ["[1]"], invalid: ["[2]"], keyword: "const"),
        Case(schema: #"{"properties":{"a":true,"b":false}}"#, valid: [#"{"a":1}"#], invalid: [#"{"b":1}"#], keyword: "false"),
    ]

    static func parse(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test(arguments: cases) func eachKeywordAcceptsAndFails(_ c: Case) throws {
        let validator = JSONSchemaValidator(schema: try Self.parse(c.schema))
        for text in c.valid {
            let failures = validator.failures(try Self.parse(text))
            #expect(failures.isEmpty, "\(text) must validate: \(failures)")
        }
        for text in c.invalid {
            let failures = validator.failures(try Self.parse(text))
            #expect(!failures.isEmpty, "\(text) must fail")
            #expect(failures.first?.keyword.hasPrefix(c.keyword) == true, "\(text): \(failures)")
        }
    }

    @Test func failuresSayWhereInTheInstance() throws {
        let schema = try Self.parse(#"{"properties":{"events":{"items":{"required":["event_id"],"properties":{"a/b":{"type":"string"}}}}}}"#)
        let failures = JSONSchemaValidator(schema: schema).failures(try Self.parse(#"{"events":[{"event_id":1},{"a/b":2}]}"#))
        #expect(failures.map(\.path).sorted() == ["/events/1", "/events/1/a~1b"])
        #expect(failures.map(\.keyword).sorted() == ["required", "type"])
    }

    @Test func brokenSchemasFailInsteadOfPassing() throws {
        let unresolved = JSONSchemaValidator(schema: try Self.parse(##"{"$ref":"#/definitions/missing"}"##))
        #expect(unresolved.failures(.null).map(\.keyword) == ["$ref"])
        let remote = JSONSchemaValidator(schema: try Self.parse(#"{"$ref":"https://example.com/s.json"}"#))
        #expect(remote.failures(.null).map(\.keyword) == ["$ref"])
        let loop = JSONSchemaValidator(schema: try Self.parse(##"{"definitions":{"a":{"$ref":"#/definitions/a"}},"$ref":"#/definitions/a"}"##))
        #expect(loop.failures(.null).first?.message == "reference loop")
        let badPattern = JSONSchemaValidator(schema: try Self.parse(#"{"pattern":"("}"#))
        #expect(badPattern.failures(.string("x")).map(\.keyword) == ["pattern"])
    }

    /// The real file: a minimal log_event request passes its schema; an
    /// empty events array, an unknown event type or a short key fails.
    @Test func theRepositorysRequestSchemaChecksARequest() throws {
        let event = #"{"event_id":"e1","event_type":"purchase","event_time":"2026-01-01T00:00:00Z"}"#
        func request(key: String = "key-0123456789abcdef", events: String? = nil) throws -> JSONValue {
            try Self.parse(#"{"idempotency_key":"\#(key)","event_source_id":"web","events":\#(events ?? "[\(event)]")}"#)
        }
        #expect(try AdCPSchemaFile.logEventRequest.failures(try request()) == [])
        #expect(try !AdCPSchemaFile.logEventRequest.failures(try request(events: "[]")).isEmpty)
        #expect(try !AdCPSchemaFile.logEventRequest.failures(try request(events: "[\(event.replacingOccurrences(of: "purchase", with: "nope"))]")).isEmpty)
        #expect(try !AdCPSchemaFile.logEventRequest.failures(try request(key: "short")).isEmpty)
    }
}
