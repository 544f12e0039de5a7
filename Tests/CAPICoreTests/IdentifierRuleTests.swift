import CAPICore
import Testing

/// The one id rule, checked eight bytes at a time: a bad character is found
/// at every position, on either side of each word boundary.
@Suite struct IdentifierRuleTests {
    @Test func aControlCharacterIsFoundAtEveryPosition() {
        let rule = IdentifierRule.printable(maxCharacters: 256)
        for length in 1...24 {
            let plain = String(repeating: "a", count: length)
            #expect(rule.allows(plain), "\(length)")
            for position in 0..<length {
                for bad in ["\u{0}", "\u{1F}", "\u{7F}", "\u{85}", "\u{2028}", "\u{2029}", "\t"] {
                    var scalars = Array(plain.unicodeScalars)
                    scalars[position] = bad.unicodeScalars.first ?? "a"
                    var id = ""
                    id.unicodeScalars.append(contentsOf: scalars)
                    #expect(!rule.allows(id), "\(bad.unicodeScalars.first?.value ?? 0) at \(position) of \(length)")
                }
                var scalars = Array(plain.unicodeScalars)
                scalars[position] = "é"
                var accented = ""
                accented.unicodeScalars.append(contentsOf: scalars)
                #expect(rule.allows(accented), "é at \(position) of \(length)")
            }
        }
    }

    @Test func lengthCountsCharactersNotBytes() {
        let rule = IdentifierRule.printable(maxCharacters: 4)
        #expect(rule.allows("ééé😀"))
        #expect(!rule.allows("ééé😀x"))
        #expect(!rule.allows(""))
        #expect(IdentifierRule.path.allows("mb_1.a:b-c"))
        #expect(!IdentifierRule.path.allows("mb 1"))
        #expect(!IdentifierRule.path.allows(String(repeating: "a", count: 129)))
    }

    @Test func anIdempotencyKeyIsSixteenTo255URLSafeBytes() {
        let rule = IdentifierRule.idempotencyKey
        #expect(rule.allows("0f8fad5b-d9cb-469f-a165-70867728950e"))
        #expect(rule.allows(String(repeating: "k", count: 16)))
        #expect(!rule.allows(String(repeating: "k", count: 15)))
        #expect(rule.allows(String(repeating: "k", count: 255)))
        #expect(!rule.allows(String(repeating: "k", count: 256)))
        #expect(!rule.allows("0f8fad5b d9cb 469f a165 70867728950e"))
        #expect(rule.requirement == "16 to 255 characters of A-Z a-z 0-9 _ . : -")
        #expect(IdentifierRule.path.requirement == "1 to 128 characters of A-Z a-z 0-9 _ . : -")
        #expect(!IdentifierRule.urlSafe(minBytes: 0, maxBytes: 4).allows(""), "an id is never empty")
    }
}
