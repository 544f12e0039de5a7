/// Adds `sc3clid` to a registered landing page URL, keeping its query and fragment.
enum LandingURL {
    static func appending(clickID: String, to url: String) -> String {
        let (base, fragment): (Substring, Substring?) = {
            guard let hash = url.firstIndex(of: "#") else { return (url[...], nil) }
            return (url[..<hash], url[url.index(after: hash)...])
        }()
        var out = String(base)
        if out.contains("?") {
            if !out.hasSuffix("?") && !out.hasSuffix("&") { out += "&" }
        } else {
            out += "?"
        }
        out += "sc3clid=" + clickID
        if let fragment { out += "#" + fragment }
        return out
    }
}
