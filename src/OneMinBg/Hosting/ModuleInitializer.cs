using System.Management.Automation;

namespace OneMinBg.Hosting;

/// <summary>
/// Import-Module calls OnImport before any cmdlet runs, Remove-Module calls OnRemove: the dependency
/// handler lives exactly as long as the module (and only on Windows PowerShell, see <see cref="DependencyResolver"/>).
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => DependencyResolver.Register();

    public void OnRemove(PSModuleInfo psModuleInfo) => DependencyResolver.Unregister();
}
