global using System;
global using System.IO;
global using System.Linq;
global using System.Threading;
global using System.Threading.Tasks;
global using OneMinBg.Client;
global using OneMinBg.Emulator;
global using Xunit;
