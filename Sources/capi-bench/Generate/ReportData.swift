/// The data set of measure (6): one media buy and the exposure feed of an ad
/// server delivering it, in time order.
///
/// The buy has `packages` packages of `creativesPerPackage` creatives each.
/// The feed has `impressions` impressions and one click per `impressionsPerClick`
/// impressions, spread evenly over the `days` days before `now` (row `i` of
/// the feed falls at `start + i × span ÷ rows`, so the feed arrives in time
/// order, as an ad server's log does), round-robin over the creatives. Each
/// row carries what a real feed carries: a rampid, a hashed email, an IP and a
/// user agent; clicks carry an sc3clid. Exposure ids increase (`r-<i>`), or
/// with `scatteredIDs` are spread over the key space as UUIDs are
/// (`u-<i permuted>`, `BatchTemplate.scatter`).
///
/// Rows are written straight into bytes, one request body at a time, so the
/// client spends little of the two cores the server needs and holds one
/// request in memory, not the feed.
struct ReportData: Sendable {
    let impressions: Int
    let now: Int64
    let seed: UInt64
    var days = 30
    var packages = 3
    var creativesPerPackage = 2
    var impressionsPerClick = 50
    var scatteredIDs = false

    static let mediaBuyID = "report-mb"

    var clicks: Int { impressions / impressionsPerClick }
    var rows: Int { impressions + clicks }

    /// The `PUT /agentic/v1/media-buys/{id}` body.
    var mediaBuyBody: String {
        let packageList = (1...packages).map { p in
            let creatives = (1...creativesPerPackage).map { c in
                #"{"creative_id":"p\#(p)-c\#(c)","landing_url":"https://shop.example.com/p\#(p)/c\#(c)"}"#
            }.joined(separator: ",")
            return #"{"package_id":"p\#(p)","pricing_model":"cpm","rate":2.0,"creatives":[\#(creatives)]}"#
        }.joined(separator: ",")
        return #"{"account_id":"\#(CAPIServerProcess.accountID)","name":"Report bench","currency":"USD","packages":[\#(packageList)]}"#
    }

    private static let day: Int64 = 86_400_000
    private static let agents: [[UInt8]] = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Mobile/15E148",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15",
    ].map { Array($0.utf8) }
    private static let alnum = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The NDJSON body of rows `range` of the feed.
    func chunk(_ range: Range<Int>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(range.count * 340)
        let total = Int64(rows)
        let span = Int64(days) * Self.day
        let start = now - span
        let creatives = packages * creativesPerPackage
        for i in range {
            var rng = SplitMix64(seed: seed ^ (UInt64(i) &* 0x9E37_79B9_7F4A_7C15) ^ 0x6E9)
            // Every `impressionsPerClick + 1`-th row is a click.
            let click = i % (impressionsPerClick + 1) == impressionsPerClick
            let time = start + Int64(i) * span / total
            let creative = i % creatives
            let package = creative / creativesPerPackage + 1
            let inPackage = creative % creativesPerPackage + 1
            if scatteredIDs {
                out.append(contentsOf: #"{"exposure_id":"u-"#.utf8)
                Self.decimal(Int(BatchTemplate.scatter(UInt64(i))), into: &out)
            } else {
                out.append(contentsOf: #"{"exposure_id":"r-"#.utf8)
                Self.decimal(i, into: &out)
            }
            out.append(contentsOf: click ? #"","type":"click","#.utf8 : #"","type":"impression","#.utf8)
            out.append(contentsOf: #""media_buy_id":"\#(Self.mediaBuyID)","package_id":"p"#.utf8)
            Self.decimal(package, into: &out)
            out.append(contentsOf: #"","creative_id":"p"#.utf8)
            Self.decimal(package, into: &out)
            out.append(contentsOf: "-c".utf8)
            Self.decimal(inPackage, into: &out)
            out.append(contentsOf: #"","time":""#.utf8)
            Self.rfc3339(seconds: time / 1000, into: &out)
            out.append(contentsOf: click ? #"","cost":0.5,"#.utf8 : #"","cost":0.002,"#.utf8)
            if click {
                out.append(contentsOf: #""click_id":""#.utf8)
                Self.randomAlnum(22, &rng, into: &out)
                out.append(contentsOf: #"","#.utf8)
            }
            out.append(contentsOf: #""uids":[{"type":"rampid","value":"XY"#.utf8)
            Self.randomAlnum(20, &rng, into: &out)
            out.append(contentsOf: #""}],"hashed_email":""#.utf8)
            hashedEmail(row: i, into: &out)
            out.append(contentsOf: #"","client_ip":""#.utf8)
            let r = rng.next()
            Self.decimal(Int(r % 99) + 1, into: &out)
            out.append(UInt8(ascii: "."))
            Self.decimal(Int((r >> 8) & 255), into: &out)
            out.append(UInt8(ascii: "."))
            Self.decimal(Int((r >> 16) & 255), into: &out)
            out.append(UInt8(ascii: "."))
            Self.decimal(Int((r >> 24) % 254) + 1, into: &out)
            out.append(contentsOf: #"","client_user_agent":""#.utf8)
            out.append(contentsOf: Self.agents[Int((r >> 40) % 3)])
            out.append(contentsOf: "\"}\n".utf8)
        }
        return out
    }

    /// The hashed email of row `i`'s user, from a stream of its own, so a
    /// conversion can name the user of any row already sent.
    func hashedEmail(row i: Int, into out: inout [UInt8]) {
        var rng = SplitMix64(seed: seed ^ (UInt64(i) &* 0x9E37_79B9_7F4A_7C15) ^ 0xE3A1)
        for _ in 0..<4 {
            let r = rng.next()
            for k in 0..<16 { out.append(Self.hexDigits[Int((r >> (UInt64(k) * 4)) & 15)]) }
        }
    }

    private static func randomAlnum(_ n: Int, _ rng: inout SplitMix64, into out: inout [UInt8]) {
        var r = rng.next()
        var left = 6
        for _ in 0..<n {
            if left == 0 {
                r = rng.next()
                left = 6
            }
            out.append(alnum[Int(r & 1023) % 62])
            r >>= 10
            left -= 1
        }
    }

    private static func decimal(_ value: Int, into out: inout [UInt8]) {
        if value >= 10 { decimal(value / 10, into: &out) }
        out.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    private static func twoDigits(_ value: Int, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "0") + UInt8(value / 10))
        out.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` of a Unix time in seconds (civil-from-days, proleptic Gregorian).
    static func rfc3339(seconds: Int64, into out: inout [UInt8]) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        let y = Int(yoe + era * 400 + (m <= 2 ? 1 : 0))
        twoDigits(y / 100, into: &out)
        twoDigits(y % 100, into: &out)
        out.append(UInt8(ascii: "-"))
        twoDigits(m, into: &out)
        out.append(UInt8(ascii: "-"))
        twoDigits(d, into: &out)
        out.append(UInt8(ascii: "T"))
        twoDigits(secondOfDay / 3600, into: &out)
        out.append(UInt8(ascii: ":"))
        twoDigits(secondOfDay / 60 % 60, into: &out)
        out.append(UInt8(ascii: ":"))
        twoDigits(secondOfDay % 60, into: &out)
        out.append(UInt8(ascii: "Z"))
    }
}
