/* placeholder: 77 = skipped until written */ int main(void) { return 77; }
