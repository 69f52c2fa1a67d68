import Testing
@testable import KVCache
