/// The AdCP standard event types (enums/event-type.json).
public enum EventType: String, CaseIterable, Codable, Sendable {
    case pageView = "page_view"
    case viewContent = "view_content"
    case selectContent = "select_content"
    case selectItem = "select_item"
    case search
    case share
    case addToCart = "add_to_cart"
    case removeFromCart = "remove_from_cart"
    case viewedCart = "viewed_cart"
    case addToWishlist = "add_to_wishlist"
    case initiateCheckout = "initiate_checkout"
    case addPaymentInfo = "add_payment_info"
    case purchase
    case refund
    case lead
    case qualifyLead = "qualify_lead"
    case closeConvertLead = "close_convert_lead"
    case disqualifyLead = "disqualify_lead"
    case completeRegistration = "complete_registration"
    case subscribe
    case follow
    case contentView = "content_view"
    case watchMilestone = "watch_milestone"
    case startTrial = "start_trial"
    case appInstall = "app_install"
    case appLaunch = "app_launch"
    case contact
    case schedule
    case donate
    case submitApplication = "submit_application"
    case custom
}

extension EventType {
    static let byName = CaseNames<EventType>()

    /// The case named `name`.
    public static func named(_ name: String) -> EventType? { byName[name] }

    /// The case named by UTF-8 bytes, e.g. a field of an `EventText`.
    static func named(_ name: UnsafeBufferPointer<UInt8>) -> EventType? { byName[bytes: name] }
}
