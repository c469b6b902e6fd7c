package api_test

// followUpPageCases open the follow-up's pages (package pages) in
// TestContract, after planContractCases have stored a status report, a
// spending report and a commentary.
var followUpPageCases = []contractCase{
	{method: "GET", path: "/sider/milepaele", status: 200},
	{method: "GET", path: "/sider/milepaele?ansvarlig=kl&tilstand=overdue", status: 200},
	{method: "GET", path: "/sider/milepaele?tilstand=late", status: 400},
	{method: "GET", path: "/sider/runde", status: 200},
	{method: "GET", path: "/sider/runde?org=nope", status: 400},
	{method: "GET", path: "/sider/runde/2025?org=regioner", status: 200},
	{method: "GET", path: "/sider/runde/1999", status: 404},
	{method: "GET", path: "/sider/initiativer/4", status: 200},
	{method: "GET", path: "/sider/initiativer/37", status: 404},
}
