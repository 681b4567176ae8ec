/// Who performs an operation: the Unix user (or `scheduler`) and the optional teammate name.
public struct Actor: Sendable, Equatable {
    public var user: String
    public var staff: String?
    public init(user: String, staff: String? = nil) {
        self.user = user
        self.staff = staff
    }
    /// The daemon itself, for time-driven changes.
    public static let scheduler = Actor(user: "scheduler")
}
