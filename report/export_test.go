package report

// Difference is difference, for the tests outside the package.
var Difference = difference
