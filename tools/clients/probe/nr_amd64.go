package main

func userfaultfdNr() uintptr { return 323 }
