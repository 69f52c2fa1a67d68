import ArgumentParser

@main
struct FlashServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flashserve",
        abstract: "An LLM serving engine with a FlashAttention-3-class backend for Hopper GPUs.",
        subcommands: [DoctorCommand.self, SelfTestCommand.self, BenchCommand.self,
                      TokenizeCommand.self, DetokenizeCommand.self, GenerateCommand.self, ServeCommand.self])
}
