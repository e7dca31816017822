import CSpawn

/// The name ps, top and pidof show: `clarity` for the tool that `clarity` becomes
/// (`clarity-core`, whose file name the kernel would show).
public enum ProcessName {
    public static func set(_ name: String) { _ = clarity_set_process_name(name) }
}
