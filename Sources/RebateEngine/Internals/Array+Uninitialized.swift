extension Array where Element: BitwiseCopyable {
    /// An array of `count` elements that `initialize` fills (or that are overwritten before they are read).
    ///
    /// The one place the library uses `Array(unsafeUninitializedCapacity:)`: with a capacity of 0 that
    /// initialiser hands out the one shared empty-array storage and writes its count, so two threads
    /// making empty arrays at once race on a global (ThreadSanitizer caught it in the split's duplicate
    /// search). An empty array is made without it.
    static func uninitialized(count: Int, _ initialize: (UnsafeMutableBufferPointer<Element>) -> Void = { _ in })
        -> [Element]
    {
        guard count > 0 else { return [] }
        return [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialize(buffer)
            initialized = count
        }
    }
}
