import CAPICore
import Testing

@Suite struct AttributionRuleTests {
    @Test(arguments: 0..<64)
    func theKeysReadFromAStoredEventAreTheSortedKeys(_ mask: Int) {
        var ids = Identifiers()
        var match: [String] = []
        if mask & 1 != 0 {
            ids.clickID = "clk"; ids.clickIDType = mask & 32 != 0 ? "sc3clid" : "gclid"
            match.append(#""click_id":"clk","click_id_type":"\#(ids.clickIDType ?? "")""#)
        }
        if mask & 2 != 0 {
            ids.uids = [UID(type: .uid2, value: "b"), UID(type: .id5, value: "z"), UID(type: .id5, value: "a")]
            match.append(#""uids":[{"type":"uid2","value":"b"},{"type":"id5","value":"z"},{"type":"id5","value":"a"}]"#)
        }
        if mask & 4 != 0 {
            ids.hashedEmail = String(repeating: "a", count: 64)
            match.append(#""hashed_email":"\#(String(repeating: "a", count: 64))""#)
        }
        if mask & 8 != 0 {
            ids.hashedPhone = String(repeating: "b", count: 64)
            match.append(#""hashed_phone":"\#(String(repeating: "b", count: 64))""#)
        }
        if mask & 16 != 0 {
            ids.clientIP = "203.0.113.1"; ids.clientUserAgent = "UA \\ \u{e9}"
            match.append(#""client_ip":"203.0.113.1","client_user_agent":"UA \\ \u00e9""#)
        }
        let event = #"{"event_id":"e","event_type":"purchase","user_match":{"# + match.joined(separator: ",") + "}}"
        // The order, spelled out independently: every key, sorted by `<`.
        var all: [IdentityKey] = ids.uids.map { IdentityKey(kind: "uid:" + $0.type.rawValue, value: $0.value) }
        if ids.clickIDType == "sc3clid", let click = ids.clickID { all.append(IdentityKey(kind: "sc3clid", value: click)) }
        if let e = ids.hashedEmail { all.append(IdentityKey(kind: "hashed_email", value: e)) }
        if let p = ids.hashedPhone { all.append(IdentityKey(kind: "hashed_phone", value: p)) }
        if let ip = ids.clientIP, let ua = ids.clientUserAgent { all.append(IdentityKey(kind: "ip_ua", value: ip + "|" + ua)) }
        let keys = all.sorted().map(\.storageKey)
        #expect(IdentityKey.storageKeys(for: ids) == keys)
        #expect(IdentityKey.keys(for: ids) == all.sorted())
        let read = Array(event.utf8).withUnsafeBufferPointer { IdentityKey.storageKeys(ofStoredEvent: $0) }
        #expect(read == (ids.isMatchable ? keys : []))
        // A list stored by earlier versions reads back as the same keys.
        #expect(IdentityKey.storageKeys(inList: keys.joined(separator: IdentityKey.listSeparator)) == keys)
    }

    @Test func aPayloadThatIsNotAnEventHasNoKeys() {
        for text in ["", "{", "[]", #"{"user_match":"x"}"#, #"{"user_match":{"hashed_email":"NOT-HEX"}}"#] {
            #expect(Array(text.utf8).withUnsafeBufferPointer { IdentityKey.storageKeys(ofStoredEvent: $0) }.isEmpty)
        }
    }

    @Test func storageKeysSkipWhatTheListSkips() {
        let text = "\u{1E}sc3clid\u{1F}a\u{1E}\u{1E}junk\u{1E}hashed_email\u{1F}b\u{1F}c\u{1E}"
        #expect(IdentityKey.storageKeys(inList: text) == IdentityKey.list(text).map(\.storageKey))
        #expect(IdentityKey.storageKeys(inList: text).count == 2)
        #expect(IdentityKey.storageKeys(inList: nil).isEmpty)
    }

    @Test func clicksBeatImpressionsAndTheLatestWins() {
        let window = AttributionWindow.standard
        let email = IdentityKey(kind: "hashed_email", value: "e")
        let candidates = [
            ExposureCandidate(exposureID: "imp", kind: .impression, time: 900, matchedBy: email),
            ExposureCandidate(exposureID: "c1", kind: .click, time: 100, matchedBy: email),
            ExposureCandidate(exposureID: "c2", kind: .click, time: 200, matchedBy: email),
            ExposureCandidate(exposureID: "after", kind: .click, time: 1_100, matchedBy: email),
        ]
        let d = AttributionRules.decide(eventTime: 1_000, window: window, candidates: candidates)
        #expect(d?.exposureID == "c2")
        #expect(d?.model == .clickThrough)
        #expect(d?.lagMilliseconds == 800)
        let viewOnly = AttributionRules.decide(eventTime: 1_000, window: window, candidates: [candidates[0], candidates[3]])
        #expect(viewOnly?.model == .viewThrough)
        let late = AttributionRules.decide(eventTime: 1_000 + 86_400_000 + 901, window: window, candidates: [candidates[0]])
        #expect(late == nil, "outside the 1-day post-view window")
    }
}
