System.Console.WriteLine("sample under construction");
