print("capi")
