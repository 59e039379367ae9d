import Glibc

/// The calling thread's last-error message (a malloc'ed C string per thread, freed when the thread ends or
/// the next failure replaces it).
enum LastError {
    /// The thread-specific slot.
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { free($0) }
        return key
    }()

    /// Replaces the calling thread's message.
    static func set(_ message: String) {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, strdup(message))
        free(previous)
    }

    /// The calling thread's message, or "" when no call has failed on it.
    static var current: UnsafePointer<CChar> {
        if let message = pthread_getspecific(key) {
            return UnsafePointer(message.assumingMemoryBound(to: CChar.self))
        }
        return empty
    }

    /// A static empty C string.
    static var empty: UnsafePointer<CChar> {
        UnsafeRawPointer(("" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
    }
}
