/// A value handed to the workers of one parallel stage that the compiler cannot prove safe to share.
///
/// In the manner of swift-nio's `UnsafeTransfer`: the one `@unchecked Sendable` wrapper of the library,
/// so every place that shares raw memory across threads is found by searching for this name. It is
/// safe where it is used because each use keeps to one of two disciplines, said at the use site:
/// - read-only: nothing writes the wrapped buffers while the workers run (input columns, look-up
///   tables, mapped files), and the memory outlives `concurrentPerform`;
/// - disjoint writes: each worker writes only the elements it was handed (a partition claimed
///   through an atomic counter, or its own slice), so no two threads touch the same element.
struct UnsafeTransfer<Wrapped>: @unchecked Sendable {
    /// The value shared.
    var wrappedValue: Wrapped

    /// Wraps a value to hand it to parallel workers.
    init(_ wrappedValue: Wrapped) {
        self.wrappedValue = wrappedValue
    }
}
